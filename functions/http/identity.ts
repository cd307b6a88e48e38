import { register, signIn } from '../app/identity';
import { httpHandler } from '../shared/http';

export const handler = httpHandler('identity', {
  'POST /v1/users': async (req) => ({ status: 201, body: await register({ ...req.body, sourceIp: req.sourceIp, deviceId: req.deviceId }) }),
  'POST /v1/sessions': async (req) => ({ status: 200, body: await signIn(req.body) }),
});
