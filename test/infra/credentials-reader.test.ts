import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProvisionerApp, DEFAULT_STACK_NAME } from '../../infra/app.ts';
import { CREDENTIALS_READER_TAG_KEY } from '../../shared/credentials/index.ts';
import { platformNames } from '../../shared/platforms/registry.ts';

type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: unknown };
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

const CDK_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const ACCOUNT = '123456789012';
const HANDLER_ARN = `arn:aws:iam::${ACCOUNT}:role/Provisioner-HandlerRole`;
const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:role/provisioner-break-glass`;
const READER_ARN = `arn:aws:iam::${ACCOUNT}:role/signup-flow`;
const CONTEXT = { platform: platformNames[0] ?? '', tenantId: 'cust_42' };
const READER_TAG = { [CREDENTIALS_READER_TAG_KEY]: DEFAULT_STACK_NAME };

let template: Template;
/** Another stack name and a break-glass role, synthesized once for the tests that need either. */
let staging: Template;
let keyPolicy: Statement[];
let readerPolicy: Statement[];

function synth(context: Record<string, unknown> = {}): Template {
  const { stack } = createProvisionerApp({ context: { ...CDK_CONTEXT, ...NO_BUNDLING, ...context } });
  return Template.fromStack(stack);
}

function keyPolicyOf(of: Template): Statement[] {
  const [key] = Object.entries(of.findResources('AWS::KMS::Key')).filter(([id]) =>
    id.startsWith('CredentialsKey'),
  );
  if (key === undefined) throw new Error('No credentials key');
  return resolve(key[1].Properties.KeyPolicy.Statement) as Statement[];
}

/** Stands in for CloudFormation: the partition, the account and the handler role's ARN. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if (object.Ref === 'AWS::Partition') return 'aws';
  if (object.Ref === 'AWS::AccountId') return ACCOUNT;
  const getAtt = object['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt?.[0].startsWith('HandlerRole')) return HANDLER_ARN;
  if (getAtt !== undefined) return `arn:of:${getAtt[0]}`;
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(resolve).join(join[0]);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
}

/** Who asks KMS to Decrypt, and whether the caller's own IAM policies allow it. */
interface DecryptRequest {
  readonly principalArn: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly iamAllows: boolean;
}

function contextValue(request: DecryptRequest, key: string): string | undefined {
  if (key === 'aws:PrincipalArn') return request.principalArn;
  if (key.startsWith('aws:PrincipalTag/')) return request.tags?.[key.slice('aws:PrincipalTag/'.length)];
  if (key.startsWith('kms:EncryptionContext:'))
    return request.encryptionContext?.[key.slice('kms:EncryptionContext:'.length)];
  throw new Error(`No stand-in for condition key ${key}`);
}

const arnLike = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

/** IAM condition semantics for the operators the key policy uses (several values: any of them). */
function conditionHolds(operator: string, key: string, expected: unknown, request: DecryptRequest): boolean {
  const actual = contextValue(request, key);
  const values = (Array.isArray(expected) ? expected : [expected]).map(String);
  switch (operator) {
    case 'StringEquals':
      return actual !== undefined && values.includes(actual);
    case 'StringNotEquals':
      return actual === undefined || !values.includes(actual);
    case 'ArnEquals':
    case 'ArnLike':
      return actual !== undefined && values.some((v) => arnLike(v, actual));
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return actual === undefined || !values.some((v) => arnLike(v, actual));
    case 'Null':
      return (actual === undefined) === (values[0] === 'true');
    default:
      throw new Error(`No stand-in for condition operator ${operator}`);
  }
}

function applies(statement: Statement, action: string, request: DecryptRequest): boolean {
  const actions = typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
  if (!actions.some((a) => arnLike(a, action))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, request)),
  );
}

/**
 * KMS's decision for a Decrypt: an explicit Deny in the key policy wins; an Allow naming the principal
 * suffices; an Allow naming the account root counts only if the principal (of that account) has an IAM allow.
 */
function decide(statements: Statement[], request: DecryptRequest): 'allowed' | 'denied' {
  const matching = statements.filter((s) => applies(s, 'kms:Decrypt', request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'denied';
  const granted = matching.some((s) => {
    const principals = [s.Principal?.AWS].flat().map(String);
    if (principals.includes(request.principalArn)) return true;
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    return (
      principals.includes(root) &&
      request.principalArn.startsWith(`arn:aws:iam::${ACCOUNT}:`) &&
      request.iamAllows
    );
  });
  return granted ? 'allowed' : 'denied';
}

/** Whether the managed policy alone lets the principal Decrypt under this context (its IAM half). */
function readerPolicyAllows(request: DecryptRequest): boolean {
  return readerPolicy.some((s) => s.Effect === 'Allow' && applies(s, 'kms:Decrypt', request));
}

beforeAll(() => {
  template = synth();
  staging = synth({ stackName: 'Provisioner-staging', breakGlassRoleArn: BREAK_GLASS });
  keyPolicy = keyPolicyOf(template);
  const [, policy] = Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))[0] ?? [];
  readerPolicy = resolve(policy?.Properties.PolicyDocument.Statement) as Statement[];
});

describe('the credentials reader managed policy', () => {
  it('grants GetItem on account records of the ledger and Decrypt with the credentials key under the context, nothing else', () => {
    // Prepare
    const raw = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));

    // Act
    const statements = raw.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);

    // Assess
    expect(raw).toHaveLength(1);
    expect(statements).toEqual([
      {
        Sid: 'LedgerGetAccountRecord',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LedgerTable/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACCOUNT#*'] } },
      },
      {
        Sid: 'OpenCredentials',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CredentialsKey/), 'Arn'] },
        Condition: {
          StringEquals: { 'kms:EncryptionContext:platform': [...platformNames] },
          Null: { 'kms:EncryptionContext:tenantId': 'false' },
        },
      },
    ]);
    expect(raw[0]?.Properties.Roles).toBeUndefined();
  });

  it('outputs the policy ARN and the tag a reader role carries', () => {
    const [policyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));

    template.hasOutput('CredentialsReaderPolicyArn', {
      Value: { Ref: policyId },
      Description: Match.stringLikeRegexp(`${CREDENTIALS_READER_TAG_KEY}=${DEFAULT_STACK_NAME}`),
    });
    template.hasOutput('CredentialsReaderTagKey', { Value: CREDENTIALS_READER_TAG_KEY });
    template.hasOutput('CredentialsReaderTagValue', { Value: DEFAULT_STACK_NAME });
  });

  it('tags readers with the stack name, so a reader of one stack reads no other', () => {
    const other = staging;

    other.hasOutput('CredentialsReaderTagValue', { Value: 'Provisioner-staging' });
    expect(JSON.stringify(keyPolicyOf(other))).toContain(
      `"aws:PrincipalTag/${CREDENTIALS_READER_TAG_KEY}":"Provisioner-staging"`,
    );
  });
});

describe('who may Decrypt with the credentials key (the key policy, evaluated as KMS does)', () => {
  const reader = (overrides: Partial<DecryptRequest> = {}): DecryptRequest => {
    const request = {
      principalArn: READER_ARN,
      tags: READER_TAG,
      encryptionContext: CONTEXT,
      iamAllows: false,
      ...overrides,
    };
    return { ...request, iamAllows: overrides.iamAllows ?? readerPolicyAllows(request) };
  };

  it('lets the handler and a tagged role with the managed policy open credentials under the context', () => {
    expect(
      decide(keyPolicy, { principalArn: HANDLER_ARN, encryptionContext: CONTEXT, iamAllows: true }),
    ).toBe('allowed');
    expect(decide(keyPolicy, reader())).toBe('allowed');
  });

  it('refuses a tagged role without the managed policy, and an untagged role with it or with kms:* on *', () => {
    expect(decide(keyPolicy, reader({ iamAllows: false }))).toBe('denied');
    expect(decide(keyPolicy, reader({ tags: {} }))).toBe('denied');
    const admin = {
      principalArn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
      encryptionContext: CONTEXT,
      iamAllows: true,
    };
    expect(decide(keyPolicy, admin)).toBe('denied');
  });

  it('refuses a reader tagged for another stack, or without the platform and tenant context', () => {
    expect(decide(keyPolicy, reader({ tags: { [CREDENTIALS_READER_TAG_KEY]: 'Provisioner-staging' } }))).toBe(
      'denied',
    );
    expect(decide(keyPolicy, reader({ encryptionContext: {}, iamAllows: true }))).toBe('denied');
    expect(
      decide(keyPolicy, reader({ encryptionContext: { platform: 'zoom', tenantId: 't' }, iamAllows: true })),
    ).toBe('denied');
    expect(
      decide(keyPolicy, reader({ encryptionContext: { platform: CONTEXT.platform }, iamAllows: true })),
    ).toBe('denied');
  });

  it('refuses tagged IAM users, the account root and tagged roles of another account', () => {
    expect(
      decide(keyPolicy, reader({ principalArn: `arn:aws:iam::${ACCOUNT}:user/alice`, iamAllows: true })),
    ).toBe('denied');
    expect(decide(keyPolicy, reader({ principalArn: `arn:aws:iam::${ACCOUNT}:root`, iamAllows: true }))).toBe(
      'denied',
    );
    expect(
      decide(
        keyPolicy,
        reader({ principalArn: 'arn:aws:iam::210987654321:role/signup-flow', iamAllows: true }),
      ),
    ).toBe('denied');
  });

  it('lets the break-glass role open, and still nobody untagged', () => {
    const statements = keyPolicyOf(staging);
    const stagingReader = { ...reader(), tags: { [CREDENTIALS_READER_TAG_KEY]: 'Provisioner-staging' } };

    expect(decide(statements, { principalArn: BREAK_GLASS, iamAllows: false })).toBe('allowed');
    expect(decide(statements, stagingReader)).toBe('allowed');
    expect(decide(statements, reader())).toBe('denied');
    expect(
      decide(statements, {
        principalArn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
        encryptionContext: CONTEXT,
        iamAllows: true,
      }),
    ).toBe('denied');
  });
});
