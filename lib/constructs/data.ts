import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE } from '../../functions/shared/table';

export interface DataProps {
  /** prod: deletion protection and RETAIN, so neither a stack delete nor a replacement loses the ledger. */
  retainData: boolean;
}

/** The one table, built from the same declaration the repositories and the local runtime use. */
export class Data extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;
  /** One ARN per declared index: grants name them instead of `index/*`. */
  readonly indexArns: string[];

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // A customer-managed key, so access to the data can be audited and revoked apart from access to the table.
    this.key = new kms.Key(this, 'TableKey', {
      description: 'Encrypts the Anshin Wallet table',
      enableKeyRotation: true,
      removalPolicy,
    });

    const str = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, TABLE.logicalName, {
      partitionKey: str(TABLE.partitionKey),
      sortKey: str(TABLE.sortKey),
      timeToLiveAttribute: TABLE.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      deletionProtection: props.retainData,
      removalPolicy,
    });
    for (const index of TABLE.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: str(index.partitionKey),
        sortKey: index.sortKey === undefined ? undefined : str(index.sortKey),
        projectionType: index.projection === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
      });
    }
    this.indexArns = TABLE.indexes.map((index) => `${this.table.tableArn}/index/${index.name}`);
  }
}
