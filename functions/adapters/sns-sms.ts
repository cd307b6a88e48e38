import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { traced } from '../shared/tracer';
import type { SmsSender } from '../app/ports';

/** SMS through SNS direct publish, transactional so codes are not throttled as marketing. */
export class SnsSmsSender implements SmsSender {
  private readonly client = traced(new SNSClient({}));
  async send(to: string, body: string): Promise<void> {
    await this.client.send(
      new PublishCommand({
        PhoneNumber: to,
        Message: body,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'ANSHIN' },
        },
      }),
    );
  }
}
