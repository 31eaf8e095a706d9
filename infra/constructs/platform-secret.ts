import { SecretValue, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { settingsPatterns } from '../platform-settings.ts';

/** Settings of a {@link PlatformSecret}. */
export interface PlatformSecretProps {
  /** The secret's initial JSON object (see `platformSecretPlaceholder` in `infra/platform-settings.ts`). */
  readonly placeholder: Readonly<Record<string, string>>;
  /** Encrypts the secret. Default: the AWS-managed `aws/secretsmanager` key. */
  readonly encryptionKey?: kms.IKey | undefined;
}

/**
 * The platform API settings (each registered platform's variables) as one Secrets Manager secret (`{id}Secret`), created
 * with placeholders that operators replace after the first deploy.
 *
 * The secret is created in `scope`, beside this construct rather than under it, so that it keeps the logical
 * ID and construct path it had before this construct existed.
 */
export class PlatformSecret extends Construct {
  /** The secret itself; grant functions `grantRead` on it. */
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: PlatformSecretProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(scope, `${id}Secret`, {
      description:
        `Vendor API settings of the provisioning pipeline: a JSON object of ${settingsPatterns()} values. ` +
        'Created with empty placeholders; operators fill in the values (empty means the platform is not configured).',
      // Placeholders only, no secret: CloudFormation writes this value once, at creation. Operators' values
      // survive later deploys as long as this template text does not change, so never edit it in place.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(props.placeholder)),
      encryptionKey: props.encryptionKey,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'The secret holds the master-account API credentials the platforms issue (auth tokens, partner keys), which only the platforms can reissue, in their consoles; there is no API a rotation Lambda could call. Operators update the secret when they rotate them.',
    });
  }
}
