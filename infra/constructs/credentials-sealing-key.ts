import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { platformNames } from '../../shared/platforms/registry.ts';

/**
 * The KMS key (`{id}Key`) that seals vendor sub-account credentials stored in the ledger.
 *
 * A key of its own, so reading the ledger (the CLI, a table export, a PITR restore) never reveals
 * credentials: opening them takes kms:Decrypt on this key, with the account's platform and tenant as
 * encryption context. Retained: deleting it would make every stored credential unreadable.
 *
 * The key is created in `scope`, beside this construct rather than under it, so that it keeps the logical ID
 * and construct path it had before this construct existed.
 */
export class CredentialsSealingKey extends Construct {
  /** The key itself. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(scope, `${id}Key`, {
      description: 'Seals vendor sub-account credentials stored in the provisioning ledger',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
  }

  /**
   * Lets `grantee` seal and open credentials (statement `SealCredentials`): Encrypt/Decrypt only (no data
   * keys, no re-encryption), and only with the context the cipher binds to each blob: a known platform and a
   * tenant id.
   */
  grantSealAndOpen(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SealCredentials',
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:platform': [...platformNames] },
          Null: { 'kms:EncryptionContext:tenantId': 'false' },
        },
      }),
    );
  }
}
