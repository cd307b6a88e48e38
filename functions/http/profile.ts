import { startEkyc } from '../app/ekyc';
import { profileOf, resendPhoneCode, verifyPhone } from '../app/profile';
import { callerOf, httpHandler } from '../shared/http';

export const handler = httpHandler('profile', {
  'GET /v1/me': async (req) => ({ status: 200, body: await profileOf(callerOf(req).userId) }),
  'POST /v1/me/phone/verification': async (req) => ({
    status: 200,
    body: await verifyPhone({ userId: callerOf(req).userId, code: req.body.code, deviceId: req.deviceId }),
  }),
  'POST /v1/me/phone/verification/resend': async (req) => ({
    status: 202,
    body: await resendPhoneCode({ userId: callerOf(req).userId, sourceIp: req.sourceIp }),
  }),
  'POST /v1/me/ekyc': async (req) => ({ status: 201, body: await startEkyc({ userId: callerOf(req).userId }) }),
});
