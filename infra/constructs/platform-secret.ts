import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { PlatformSecretSpec } from '../platform-settings.ts';

/** Settings of {@link PlatformSecrets}. */
export interface PlatformSecretsProps {
  /** One secret each (see `PLATFORM_SECRETS` in `infra/platform-settings.ts`). */
  readonly platforms: readonly PlatformSecretSpec[];
  /** A customer-managed key to encrypt the secrets with; the account's `aws/secretsmanager` key otherwise. */
  readonly encryptionKey?: kms.IKey | undefined;
}

/**
 * One Secrets Manager secret per platform (`{Platform}Secret`), created **without a value**: operators put
 * the platform's credentials in with `PutSecretValue` after the first deploy, and rotate them the same way.
 *
 * The template holds neither `SecretString` nor `GenerateSecretString`. CloudFormation writes a secret's
 * value only through those properties, on create and whenever their text changes; without them no deploy
 * (whatever the props, whatever the code) has a value to write over an operator's. The L2 construct would
 * add an empty `GenerateSecretString` (a random password, wrong for a JSON object anyway), so it is removed.
 *
 * The secrets are retained when removed from the stack or the stack is deleted: CloudFormation deletes a
 * secret without a recovery window, and these credentials can only be reissued in the vendors' consoles.
 *
 * The secrets are created in `scope`, beside this construct, so their logical ids are `{Platform}Secret…`.
 */
export class PlatformSecrets extends Construct {
  /** Each platform's secret, in registry order. */
  readonly entries: readonly { readonly spec: PlatformSecretSpec; readonly secret: secretsmanager.Secret }[];
  private readonly encryptionKey: kms.IKey | undefined;

  constructor(scope: Construct, id: string, props: PlatformSecretsProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.entries = props.platforms.map((spec) => {
      const secret = new secretsmanager.Secret(scope, spec.constructId, {
        description:
          `${spec.title} API settings of the provisioning pipeline (${spec.arnVariable}): a JSON object with ` +
          `${spec.keys.join(', ')} (and optionally ${spec.optionalKeys.join(', ')}). Created empty; the ` +
          'platform is unavailable, and its requests wait, until an operator puts the value in.',
        encryptionKey: props.encryptionKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // No value in the template, ever (see above): drop the L2's default GenerateSecretString.
      (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride(
        'GenerateSecretString',
      );
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          'The secret holds the master-account API credentials the platform issues (auth tokens, partner keys), which only the platform can reissue, in its console; there is no API a rotation Lambda could call. Operators rotate them with put-secret-value (see the README).',
      });
      return { spec, secret };
    });
  }

  /** `{PREFIX}SECRET_ARN` of every secret, for the environment of a function that calls the platforms. */
  environment(): Record<string, string> {
    return Object.fromEntries(this.entries.map(({ spec, secret }) => [spec.arnVariable, secret.secretArn]));
  }

  /**
   * Lets a function read the secrets' values: `GetSecretValue` alone (the runtime calls nothing else), and
   * `kms:Decrypt` through Secrets Manager when a customer-managed key encrypts them.
   */
  grantRead(grantee: iam.IGrantable): void {
    const secretArns = this.entries.map(({ secret }) => secret.secretArn);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: secretArns,
    });
    if (this.encryptionKey !== undefined) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }
  }
}
