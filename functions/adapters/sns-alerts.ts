import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { traced } from '../shared/tracer';
import type { OpsAlerts } from '../app/ports';

export class SnsOpsAlerts implements OpsAlerts {
  private readonly client = traced(new SNSClient({}));
  constructor(private readonly topicArn: string) {}
  async notify(subject: string, message: string): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject.slice(0, 100), Message: message }));
  }
}
