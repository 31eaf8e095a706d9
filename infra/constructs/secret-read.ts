import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * Lets `grantee` read `secret`'s value and nothing more: GetSecretValue,
 * and Decrypt on its key only through Secrets Manager. Unlike `secret.grantRead`, no
 * `secretsmanager:DescribeSecret`, which no function calls.
 */
export function grantSecretValueRead(secret: secretsmanager.ISecret, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secret.secretArn],
    }),
  );
  if (secret.encryptionKey === undefined) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [secret.encryptionKey.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` },
      },
    }),
  );
}
