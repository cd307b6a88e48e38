import type { z } from 'zod';
import { register, signIn } from '../app/identity';
import { httpHandler, type HttpRequest } from '../shared/http';
import type { RegisterBody, SessionBody } from '../shared/schemas';

export const handler = httpHandler('identity', {
  'POST /v1/users': async (req: HttpRequest<z.infer<typeof RegisterBody>>) => ({
    status: 201,
    body: await register({ ...req.body, sourceIp: req.sourceIp, deviceId: req.deviceId }),
  }),
  'POST /v1/sessions': async (req: HttpRequest<z.infer<typeof SessionBody>>) => ({ status: 200, body: await signIn(req.body) }),
});
