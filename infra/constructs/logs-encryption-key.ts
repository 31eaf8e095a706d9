import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The KMS key (`{id}Key`) that encrypts the functions' log groups: log lines name tenants and requests (with
 * personal data masked), and this keeps reading them behind a key grant as well as `logs:` rights.
 *
 * Its policy lets CloudWatch Logs of this region use it for this account's log groups only (the encryption
 * context CloudWatch Logs sets is the log group's ARN), as the CloudWatch Logs documentation prescribes; the
 * account keeps CDK's default administration. Retained, like the log groups: deleting it would make the
 * retained logs unreadable.
 *
 * Created in `scope`, beside this construct, like the other resources of this stack.
 */
export class LogsEncryptionKey extends Construct {
  /** The key itself. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(scope);
    this.key = new kms.Key(scope, `${id}Key`, {
      description: 'Encrypts the provisioning functions log groups',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncrypts',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
          },
        },
      }),
    );
  }
}
