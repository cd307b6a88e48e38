/**
 * `npm start`: the whole service on this machine. Ctrl-C stops every process it started.
 */
import { optionsFromEnv, startLocalStack } from './stack';

async function main() {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
  // Java and the CDK synth take seconds: say what is happening, and that it still is.
  let current = 'starting';
  const ticker = setInterval(() => console.log(`[${elapsed()}] … still ${current}`), 5000);
  const progress = (step: string) => {
    current = step;
    console.log(`[${elapsed()}] ${step}`);
  };
  const options = { ...optionsFromEnv(), progress };
  const stack = await startLocalStack(options).finally(() => clearInterval(ticker));
  console.log(
    [
      '',
      `Anshin Wallet is running locally (ready in ${Date.now() - started} ms)`,
      `  API            ${stack.url}            (OpenAPI: ${stack.url}/openapi.json)`,
      `  Ops console    ${stack.url}/ops`,
      `  SMS outbox     ${stack.url}/local/sms?to=<E.164>`,
      `  eKYC simulator ${stack.url}/local/ekyc/complete`,
      `  DynamoDB Local ${stack.dynamoDbUrl}`,
      `  cognito-local  ${stack.cognitoUrl}  (user pool ${stack.userPoolId}, client ${stack.clientId})`,
      `  Data           ${options.dataDir}`,
      `  Ops sign-in    ${options.opsEmail} / ${process.env.ANSHIN_OPS_PASSWORD ? '(from ANSHIN_OPS_PASSWORD)' : options.opsPassword}`,
      `  SMS limits     ${process.env.SMS_LIMIT_PER_PHONE || 5}/phone, ${process.env.SMS_LIMIT_PER_ADDRESS}/address, ${process.env.SMS_LIMIT_OVERALL}/all an hour; countries ${process.env.ALLOWED_COUNTRY_CODES || '+81'}`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: Error) => {
  console.error(`\nThe local stack could not start: ${e.message}`);
  process.exit(1);
});
