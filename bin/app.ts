#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, stageConfig } from '../lib/config';
import { WalletStack } from '../lib/wallet-stack';

const app = new App();

let config;
try {
  config = stageConfig((key) => app.node.tryGetContext(key));
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`anshin-wallet: ${e.message}`);
  process.exit(1);
}

new WalletStack(app, `AnshinWallet-${config.stage}`, {
  config,
  env: { account: config.account, region: config.region },
  description: `Anshin Wallet (${config.stage}): e-money wallet backend`,
  terminationProtection: config.stage === 'prod',
});
