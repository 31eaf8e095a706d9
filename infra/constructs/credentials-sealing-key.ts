import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { platformNames } from '../../shared/platforms/registry.ts';

/**
 * What the account keeps on the key through IAM: administering it (the policy itself, rotation, state,
 * aliases, tags, deletion), never using it to open anything. Listed one by one rather than with CDK's
 * `kms:Create*`-style wildcards, which include `kms:CreateGrant`: a grant would hand Decrypt to anyone.
 */
const KEY_ADMINISTRATION = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:RevokeGrant',
  'kms:RetireGrant',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** The context the cipher binds to every sealed blob: a known platform and a tenant id. */
const SEALING_CONTEXT = {
  StringEquals: { 'kms:EncryptionContext:platform': [...platformNames] },
  Null: { 'kms:EncryptionContext:tenantId': 'false' },
};

/** Settings of a {@link CredentialsSealingKey}. */
export interface CredentialsSealingKeyProps {
  /**
   * An existing IAM role that may also Decrypt, for an operator who must read credentials when the handler
   * cannot (context `breakGlassRoleArn`). It must exist when the key policy is written: KMS refuses a policy
   * naming an unknown principal.
   */
  readonly breakGlassRoleArn?: string | undefined;
  /**
   * Admits credentials readers (the signup flow): IAM roles of this account that carry this principal tag
   * may Decrypt under the sealing context, if their IAM policies allow it too (the
   * `CredentialsReaderPolicy`). Without it only the handler and the break-glass role can open credentials.
   */
  readonly readerTag?: { readonly key: string; readonly value: string } | undefined;
}

/** The tag key as IAM condition keys name it: `aws:PrincipalTag/{key}`. */
function principalTag(key: string): string {
  return `aws:PrincipalTag/${key}`;
}

/**
 * The KMS key (`{id}Key`) that seals vendor sub-account credentials stored in the ledger.
 *
 * A key of its own, so reading the ledger (the CLI, a table export, a PITR restore) never reveals
 * credentials: opening them takes kms:Decrypt on this key, with the account's platform and tenant as
 * encryption context. Retained: deleting it would make every stored credential unreadable.
 *
 * Its key policy does not delegate Decrypt to IAM (the default policy's `kms:*` for the account would let
 * any principal with IAM `kms:Decrypt` on `*` open credentials). The account keeps the administration
 * actions and `kms:Encrypt` (sealing reveals nothing, and `provisioner reconcile --repair` seals); Decrypt is
 * allowed to the roles {@link grantSealAndOpen} names and the break-glass role, and, when `readerTag` is set,
 * to this account's roles carrying that principal tag whose IAM policies allow it (the signup flow's, with the
 * stack's `CredentialsReaderPolicy`), under the sealing context; it is explicitly denied to everyone else,
 * grants included. With readers admitted, the right to tag a role with the reader tag (`iam:TagRole`, or
 * `sts:TagSession` for a session tag) is the right to read credentials: keep it to administrators. An administrator can still rewrite the policy (`kms:PutKeyPolicy`, which
 * keeps the key from becoming unmanageable); that change is in CloudTrail.
 *
 * The key is created in `scope`, beside this construct rather than under it, so that it keeps the logical ID
 * and construct path it had before this construct existed.
 */
export class CredentialsSealingKey extends Construct {
  /** The key itself. */
  readonly key: kms.Key;
  /** ARNs of the roles that may Decrypt; read when the policy is synthesized. */
  readonly #openers: string[] = [];

  constructor(scope: Construct, id: string, props: CredentialsSealingKeyProps = {}) {
    super(scope, id);
    const account = new iam.AccountRootPrincipal();
    const reader = props.readerTag;
    const notOpeners = Lazy.list({ produce: () => this.#openers });
    this.key = new kms.Key(scope, `${id}Key`, {
      description: 'Seals vendor sub-account credentials stored in the provisioning ledger',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
      // An explicit policy replaces CDK's default one (the account root with kms:*).
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministersKey',
            principals: [account],
            actions: KEY_ADMINISTRATION,
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'AccountSealsThroughIam',
            principals: [account],
            actions: ['kms:Encrypt'],
            resources: ['*'],
            conditions: SEALING_CONTEXT,
          }),
          new iam.PolicyStatement({
            sid: 'OnlyNamedRolesOpen',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['kms:Decrypt', 'kms:ReEncrypt*'],
            resources: ['*'],
            conditions: {
              ArnNotEquals: { 'aws:PrincipalArn': notOpeners },
              // A tagged reader is exempt here; the statements of admitReaders deny it everything else.
              ...(reader ? { StringNotEquals: { [principalTag(reader.key)]: reader.value } } : {}),
            },
          }),
        ],
      }),
    });
    if (reader) this.#admitReaders(reader, notOpeners);
    if (props.breakGlassRoleArn !== undefined) {
      this.#openers.push(props.breakGlassRoleArn);
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'BreakGlassOpens',
          principals: [new iam.ArnPrincipal(props.breakGlassRoleArn)],
          actions: ['kms:Decrypt'],
          resources: ['*'],
        }),
      );
    }
  }

  /**
   * The key policy's part for readers, on top of the Deny's exemption of tagged principals:
   * - `TaggedReadersOpen` allows Decrypt to the account's principals carrying the tag, under the sealing
   *   context. Its principal is the account, so the principal's IAM policies must allow the call as well:
   *   the tag alone opens nothing, nor does the managed policy alone.
   * - `OnlyTaggedRolesRead` denies Decrypt and re-encryption to tagged principals that are not roles of this
   *   account (IAM users with long-lived keys, other accounts).
   * No statement allows a reader re-encryption or Decrypt without the context, so those stay refused.
   */
  #admitReaders(reader: { readonly key: string; readonly value: string }, notOpeners: string[]): void {
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TaggedReadersOpen',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ...SEALING_CONTEXT,
          StringEquals: { ...SEALING_CONTEXT.StringEquals, [principalTag(reader.key)]: reader.value },
          ArnLike: { 'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/*` },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTaggedRolesRead',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:ReEncrypt*'],
        resources: ['*'],
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': notOpeners },
          ArnNotLike: { 'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/*` },
        },
      }),
    );
  }

  /**
   * The IAM half of a reader's right (statement `OpenCredentials`): Decrypt with this key, only under the
   * sealing context. Useless without the reader tag, which the key policy requires as well.
   */
  openStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'OpenCredentials',
      actions: ['kms:Decrypt'],
      resources: [this.key.keyArn],
      conditions: SEALING_CONTEXT,
    });
  }

  /**
   * Lets `role` seal and open credentials: Encrypt/Decrypt only (no data keys, no re-encryption), and only
   * with the context the cipher binds to each blob, a known platform and a tenant id. The role's own policy
   * gets statement `SealCredentials`; the key policy names the role for Decrypt (statement `{Sid}Opens`
   * for the role's construct id), which is what lets it open: IAM alone no longer can.
   */
  grantSealAndOpen(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SealCredentials',
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: SEALING_CONTEXT,
      }),
    );
    this.#openers.unshift(role.roleArn);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${role.node.id.replace(/[^A-Za-z0-9]/g, '')}Opens`,
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: SEALING_CONTEXT,
      }),
    );
  }
}
