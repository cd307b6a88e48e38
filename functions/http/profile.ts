import type { z } from 'zod';
import { startEkyc } from '../app/ekyc';
import { profileOf, resendPhoneCode, verifyPhone } from '../app/profile';
import { callerOf, httpHandler, type HttpRequest } from '../shared/http';
import type { CodeBody } from '../shared/schemas';

export const handler = httpHandler('profile', {
  'GET /v1/me': async (req: HttpRequest) => ({ status: 200, body: await profileOf(callerOf(req).userId) }),
  'POST /v1/me/phone/verification': async (req: HttpRequest<z.infer<typeof CodeBody>>) => ({
    status: 200,
    body: await verifyPhone({ userId: callerOf(req).userId, code: req.body.code, deviceId: req.deviceId }),
  }),
  'POST /v1/me/phone/verification/resend': async (req: HttpRequest) => ({
    status: 202,
    body: await resendPhoneCode({ userId: callerOf(req).userId, sourceIp: req.sourceIp }),
  }),
  'POST /v1/me/ekyc': async (req: HttpRequest) => ({ status: 201, body: await startEkyc({ userId: callerOf(req).userId }) }),
});
