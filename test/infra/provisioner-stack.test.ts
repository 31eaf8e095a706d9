import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../cli/target.ts';
import { createProvisionerApp, DEFAULT_STACK_NAME, type ProvisionerApp } from '../../infra/app.ts';
import { InfraConfigurationError } from '../../infra/errors.ts';
import {
  HANDLER_TIMEOUT,
  PLATFORM_SECRETS,
  PROVISIONING_DLQ_NAME,
  PROVISIONING_QUEUE_NAME,
  ProvisionerStack,
  RECORD_TIME_BUDGET,
} from '../../infra/provisioner-stack.ts';
import {
  loadPlatformSecretArns,
  loadRuntimeConfig,
  platformSecretVariable,
  processEnvironment,
} from '../../shared/config.ts';
import { DEFAULT_MAX_CONCURRENCY } from '../../shared/lambda/event-source.ts';
import { LEDGER_INDEX, LEDGER_TABLE_KEYS, ledgerTableDefinition } from '../../shared/ledger/table.ts';
import { platformModules } from '../../shared/platforms/registry.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** The app exactly as `cdk synth` builds it: cdk.json's feature flags, the AwsSolutions checks. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;
/** Skips esbuild for apps whose handler bundle does not matter to the test. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

let outdir: string;
let built: ProvisionerApp;
let template: Template;

function resourcesOfType(type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function onlyResource(type: string): [string, Resource] {
  const found = resourcesOfType(type);
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** The one resource of a type whose logical id starts with `prefix` (the stack has two functions). */
function resourceOf(type: string, prefix: string): [string, Resource] {
  const found = resourcesOfType(type).filter(([id]) => id.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

const handlerFunction = () => resourceOf('AWS::Lambda::Function', 'ProcessProvisioningRequests');
const handlerRole = () => resourceOf('AWS::IAM::Role', 'HandlerRole');

function queueNamed(name: string): [string, Resource] {
  const found = resourcesOfType('AWS::SQS::Queue').filter(([, r]) => r.Properties.QueueName === name);
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

function policyStatementsOf(roleId: string): Statement[] {
  return resourcesOfType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function handlerPolicyStatements(): Statement[] {
  return policyStatementsOf(handlerRole()[0]);
}

function actionsOf(statement: Statement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

/** Stands in for what CloudFormation resolves a Ref / GetAtt to, by the referenced resource's type. */
function resolveReference(value: unknown): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  const logicalId = ref ?? getAtt?.[0];
  const type =
    logicalId === undefined ? undefined : (template.toJSON().Resources[logicalId] as Resource)?.Type;
  const resolved: Record<string, string> = {
    'AWS::SQS::Queue': `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${PROVISIONING_QUEUE_NAME}`,
    'AWS::DynamoDB::GlobalTable': 'Provisioner-LedgerTable38A58B60-1A2B3C4D5E6F',
    'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b6c7f4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f`,
    'AWS::SecretsManager::Secret': `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:VendorSecret-AbCdEf`,
    'AWS::Events::EventBus': 'ProvisionerOutcomesBus1A2B3C4D',
  };
  const result = type === undefined ? undefined : resolved[type];
  if (result === undefined) throw new Error(`No stand-in for ${JSON.stringify(value)}`);
  return result;
}

beforeAll(() => {
  // Prepare: one bundling synthesis for the whole file; every template assertion reads its result.
  outdir = mkdtempSync(join(tmpdir(), 'provisioner-cdk-'));
  built = createProvisionerApp({ context: CDK_CONTEXT, outdir });
  built.app.synth();
  template = Template.fromStack(built.stack);
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('ProvisionerStack queues', () => {
  it('makes the provisioning queue FIFO with producer-set deduplication and per-group high throughput', () => {
    const [, queue] = queueNamed(PROVISIONING_QUEUE_NAME);

    expect(queue.Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
  });

  it('redrives to a FIFO dead-letter queue after 5 receives, which keeps messages 14 days', () => {
    const [, queue] = queueNamed(PROVISIONING_QUEUE_NAME);
    const [dlqId, dlq] = queueNamed(PROVISIONING_DLQ_NAME);

    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(dlq.Properties).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('hides a received batch for at least six times the handler timeout', () => {
    const [, queue] = queueNamed(PROVISIONING_QUEUE_NAME);
    const [, handler] = handlerFunction();

    expect(handler.Properties.Timeout).toBe(HANDLER_TIMEOUT.toSeconds());
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * HANDLER_TIMEOUT.toSeconds());
  });

  it('encrypts both queues with a rotated customer-managed key and refuses requests without TLS', () => {
    // The provisioning queues; the outcome queues are tested below.
    const queues = resourcesOfType('AWS::SQS::Queue').filter(([, q]) => q.Properties.FifoQueue === true);
    const policies = resourcesOfType('AWS::SQS::QueuePolicy').map(([, p]) => p.Properties);

    expect(queues).toHaveLength(2);
    for (const [queueId, queue] of queues) {
      const keyId = (queue.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[keyId]).toMatchObject({
        Type: 'AWS::KMS::Key',
        Properties: { EnableKeyRotation: true },
      });
      const policy = policies.find((p) => JSON.stringify(p.Queues) === JSON.stringify([{ Ref: queueId }]));
      expect(policy?.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
    }
  });
});

describe('ProvisionerStack handler', () => {
  it('runs the handler entry on nodejs24.x, arm64, 512 MB, without X-Ray tracing, with a retained log group', () => {
    const [logGroupId, logGroup] = resourceOf('AWS::Logs::LogGroup', 'HandlerLogs');
    const [, handler] = handlerFunction();

    expect(handler.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    expect(handler.Properties.TracingConfig).toBeUndefined();
  });

  it('passes the pipeline and Powertools settings, referencing the stack resources', () => {
    const [tableId] = onlyResource('AWS::DynamoDB::GlobalTable');
    const [queueId] = queueNamed(PROVISIONING_QUEUE_NAME);
    const [, handler] = handlerFunction();
    const sealing = handlerPolicyStatements().find((s) => s.Sid === 'SealCredentials');

    const variables = (handler.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(variables).toMatchObject({
      LEDGER_TABLE_NAME: { Ref: tableId },
      QUEUE_URL: { Ref: queueId },
      CREDENTIALS_KMS_KEY_ID: sealing?.Resource,
      MAX_RECEIVE_COUNT: '5',
      RETRY_BASE_SECONDS: '10',
      RETRY_MAX_SECONDS: '900',
      DEFAULT_HORIZON_DAYS: '365',
      RECORD_TIME_BUDGET_MS: '45000',
      POWERTOOLS_SERVICE_NAME: 'provisioner',
      POWERTOOLS_METRICS_NAMESPACE: 'Provisioner',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    // Lambda sets AWS_REGION itself and refuses functions that set it.
    expect(variables).not.toHaveProperty('AWS_REGION');
  });

  it('gives the handler an environment that loadRuntimeConfig accepts, with the redrive count as MAX_RECEIVE_COUNT', () => {
    const [, handler] = handlerFunction();
    const [, queue] = queueNamed(PROVISIONING_QUEUE_NAME);
    const variables = (handler.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const environment = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, resolveReference(v)]),
    );

    const config = loadRuntimeConfig({ ...environment, AWS_REGION: REGION });

    expect(config.credentialsKey).toEqual({ kind: 'kms', keyId: environment.CREDENTIALS_KMS_KEY_ID });
    expect(config.queueUrl).toBe(environment.QUEUE_URL);
    expect(config.maxReceiveCount).toBe(
      (queue.Properties.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount,
    );
  });

  it('consumes the provisioning queue in batches of 10 with partial batch failure reports', () => {
    const [queueId] = queueNamed(PROVISIONING_QUEUE_NAME);
    const [, mapping] = onlyResource('AWS::Lambda::EventSourceMapping');

    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs as many handler invocations at once as the local poller does by default', () => {
    const [, mapping] = onlyResource('AWS::Lambda::EventSourceMapping');

    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: DEFAULT_MAX_CONCURRENCY });
  });

  it('bundles the handler as an ES module that Node loads and that exports handler', () => {
    const [, handler] = handlerFunction();
    const assetHash = String((handler.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
    const bundle = join(outdir, `asset.${assetHash}`, 'index.mjs');

    const exported = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(typeof m.handler);`,
      ],
      { encoding: 'utf8', env: { PATH: processEnvironment().PATH ?? '' } },
    );

    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(exported.trim()).toBe('function');
  });
});

describe('ProvisionerStack permissions', () => {
  it('lets the handler read and write ledger items, delete only natural-key claims and its own parkings, and never query, scan or use the index', () => {
    const [tableId] = onlyResource('AWS::DynamoDB::GlobalTable');
    const statements = handlerPolicyStatements();

    const dynamoActions = statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
    const ledger = statements.find((s) => s.Sid === 'LedgerReadWrite');
    const release = statements.find((s) => s.Sid === 'LedgerReleaseClaims');

    expect(dynamoActions.sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(ledger?.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    expect(release && actionsOf(release)).toEqual(['dynamodb:DeleteItem']);
    expect(release?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NATURALKEY#*'] },
    });
    expect(statements.find((s) => s.Sid === 'LedgerUnparkOwn')?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['QUARANTINE#*'] },
    });
  });

  it('lets the handler Encrypt and Decrypt with the credentials key only under a platform and tenant context', () => {
    const sealing = handlerPolicyStatements().find((s) => s.Sid === 'SealCredentials');

    expect(sealing && actionsOf(sealing).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt']);
    expect(sealing?.Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:platform': ['cloopen', 'baijiayun'] },
      Null: { 'kms:EncryptionContext:tenantId': 'false' },
    });
  });

  it('lets the handler read the vendor secrets and consume the queue, ChangeMessageVisibility included', () => {
    const secretIds = resourcesOfType('AWS::SecretsManager::Secret').map(([id]) => id);
    const [queueId] = queueNamed(PROVISIONING_QUEUE_NAME);
    const statements = handlerPolicyStatements();

    const on = (resource: unknown) =>
      statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(resource)).flatMap(actionsOf);

    const reads = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(reads.flatMap(actionsOf)).toEqual(['secretsmanager:GetSecretValue']);
    expect(reads.flatMap((s) => s.Resource as unknown[])).toEqual(
      expect.arrayContaining(secretIds.map((id) => ({ Ref: id }))),
    );
    expect(on({ 'Fn::GetAtt': [queueId, 'Arn'] }).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
    expect(statements.flatMap(actionsOf)).not.toContain('sqs:SendMessage');
  });

  it('grants no function sqs:GetQueueUrl or secretsmanager:DescribeSecret, which none of them calls', () => {
    // Prepare
    const statements = resourcesOfType('AWS::IAM::Policy').flatMap(
      ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );

    // Act
    const granted = new Set(statements.flatMap(actionsOf));

    // Assess
    expect(granted).not.toContain('sqs:GetQueueUrl');
    expect(granted).not.toContain('secretsmanager:DescribeSecret');
  });

  it('lets the handler open the queue key only to consume, and producers such as the sweep GenerateDataKey and Decrypt', () => {
    // Prepare
    const [, queue] = queueNamed(PROVISIONING_QUEUE_NAME);
    const queueKey = queue.Properties.KmsMasterKeyId;
    const sweepRole = resourceOf('AWS::IAM::Role', 'ExpirySweepFunctionRole')[0];

    // Act
    const onKey = (statements: Statement[]) =>
      statements
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(queueKey))
        .flatMap(actionsOf)
        .sort();

    // Assess
    expect(onKey(handlerPolicyStatements())).toEqual(['kms:Decrypt']);
    expect(onKey(policyStatementsOf(sweepRole))).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('uses no AWS-managed policy and grants no wildcard resource', () => {
    const [, role] = handlerRole();
    const wildcard = handlerPolicyStatements().filter((s) => s.Resource === '*');

    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(wildcard).toEqual([]);
  });
});

describe('ProvisionerStack ledger table', () => {
  it('has the keys, state index and expiry index of shared/ledger/table.ts', () => {
    const [, table] = onlyResource('AWS::DynamoDB::GlobalTable');
    const expected = ledgerTableDefinition('ignored');

    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: LEDGER_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: LEDGER_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(expected.AttributeDefinitions ?? []),
    );
    expect(table.Properties.AttributeDefinitions).toHaveLength(expected.AttributeDefinitions?.length ?? 0);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: LEDGER_INDEX.indexName,
        KeySchema: expected.GlobalSecondaryIndexes?.[0]?.KeySchema,
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });

  it('bills on demand, keeps point-in-time recovery and deletion protection, and is retained', () => {
    const [, table] = onlyResource('AWS::DynamoDB::GlobalTable');

    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.Replicas).toEqual([
      expect.objectContaining({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    ]);
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});

describe('ProvisionerStack vendor secrets', () => {
  /** The properties through which CloudFormation writes a secret's value (create, and every update). */
  const VALUE_PROPERTIES = ['SecretString', 'GenerateSecretString', 'SecretBinary'];

  /** Each secret's value properties by logical id, for an app synthesised with these props. */
  const secretValuesOf = (props: ConstructorParameters<typeof ProvisionerStack>[2]) => {
    const stack = new ProvisionerStack(new App({ context: NO_BUNDLING }), 'Tuned', props);
    const secrets = Template.fromStack(stack).findResources('AWS::SecretsManager::Secret');
    return Object.fromEntries(
      Object.entries(secrets).map(([id, secret]) => [
        id,
        Object.fromEntries(VALUE_PROPERTIES.map((name) => [name, secret.Properties?.[name]])),
      ]),
    );
  };

  it('creates one secret per registered platform, each described by its own keys and retained', () => {
    const secrets = resourcesOfType('AWS::SecretsManager::Secret');

    expect(secrets).toHaveLength(platformModules.length);
    for (const platform of platformModules) {
      const arnVariable = platformSecretVariable(platform.settings);
      const [secretId] =
        secrets.find(([, s]) => String(s.Properties.Description).includes(arnVariable)) ?? [];
      expect(secretId, `no secret for ${platform.name}`).toBeDefined();
      const description = String(template.toJSON().Resources[secretId ?? ''].Properties.Description);
      for (const key of platform.settings.secret) {
        expect(description).toContain(platform.settings.variables[key]);
      }
      expect(template.toJSON().Resources[secretId ?? ''].DeletionPolicy).toBe('Retain');
    }
  });

  it("creates the secrets without any value, so no deploy can ever write one over an operator's", () => {
    for (const [, secret] of resourcesOfType('AWS::SecretsManager::Secret')) {
      for (const name of VALUE_PROPERTIES) expect(secret.Properties).not.toHaveProperty(name);
    }
  });

  it("keeps the secrets' value properties unchanged whatever the stack props", () => {
    const variants: ConstructorParameters<typeof ProvisionerStack>[2][] = [
      {},
      { maxConcurrency: 50 },
      { maxConcurrency: 1000, maxReceiveCount: 9, retryBaseSeconds: 30, retryMaxSeconds: 600 },
      { sweep: { schedule: 'rate(2 hours)', graceDays: 'never', guardMinimum: 3, maxActionsPerRun: 7 } },
      { reconcile: { schedule: 'rate(6 hours)' }, logLevel: 'DEBUG', defaultHorizonDays: 30 },
    ];

    const [first, ...others] = variants.map(secretValuesOf);

    expect(Object.keys(first ?? {})).toHaveLength(platformModules.length);
    for (const other of others) expect(other).toEqual(first);
  });

  it('gives each function that calls the platforms one variable per platform secret, which the runtime reads', () => {
    const secretIds = resourcesOfType('AWS::SecretsManager::Secret').map(([id]) => id);
    const callers = ['ProcessProvisioningRequests', 'ReconciliationFunction', 'QuarantineProberFunction'];

    for (const prefix of callers) {
      const [, fn] = resourceOf('AWS::Lambda::Function', prefix);
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const environment = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, resolveReference(v)]),
      );
      const arns = loadPlatformSecretArns(environment, platformModules);
      expect([...arns.keys()], prefix).toEqual(platformModules.map((p) => p.name));
      const refs = platformModules.map((p) => variables[platformSecretVariable(p.settings)]);
      expect(refs.map((ref) => (ref as { Ref: string }).Ref).sort(), prefix).toEqual([...secretIds].sort());
      expect(variables).not.toHaveProperty('VENDOR_SECRET_ARN');
    }
    const [, sweep] = resourceOf('AWS::Lambda::Function', 'ExpirySweepFunction');
    const sweepVariables = Object.keys(
      (sweep.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    );
    expect(sweepVariables.filter((name) => name.endsWith('_SECRET_ARN'))).toEqual([]);
  });

  it('lets each function read only the vendor secrets, with GetSecretValue alone', () => {
    const secretIds = resourcesOfType('AWS::SecretsManager::Secret').map(([id]) => id);
    const roles = ['HandlerRole', 'ReconciliationFunctionRole', 'QuarantineProberFunctionRole'];

    for (const prefix of roles) {
      const statements = policyStatementsOf(resourceOf('AWS::IAM::Role', prefix)[0]);
      const reads = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      expect(reads.flatMap(actionsOf), prefix).toEqual(['secretsmanager:GetSecretValue']);
      const resources = reads.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
      expect(resources.map((r) => (r as { Ref: string }).Ref).sort(), prefix).toEqual([...secretIds].sort());
    }
  });
});

describe('ProvisionerStack alarms', () => {
  it('alarms on dead letters, failed invocations, throttles, long runs, a backlog, refused requests, the sweep guard, drift and a low balance', () => {
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);

    const byMetric = (name: string) => alarms.find((a) => a.MetricName === name);

    expect(alarms).toHaveLength(18);
    expect(alarms.filter((a) => a.MetricName === 'Throttles')).toHaveLength(4);
    const durations = alarms.filter((a) => a.MetricName === 'Duration');
    expect(durations.map((a) => a.Threshold).sort((x, y) => Number(x) - Number(y))).toEqual([
      48_000, 96_000, 240_000, 720_000,
    ]);
    expect(alarms.filter((a) => a.MetricName === 'platform_quarantined').map((a) => a.Dimensions)).toEqual([
      expect.arrayContaining([{ Name: 'platform', Value: 'cloopen' }]),
      expect.arrayContaining([{ Name: 'platform', Value: 'baijiayun' }]),
    ]);
    expect(byMetric('drift_found')).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(byMetric('master_balance')).toMatchObject({
      Dimensions: expect.arrayContaining([{ Name: 'platform', Value: 'cloopen' }]),
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 100,
    });
    expect(
      alarms.find(
        (a) =>
          a.MetricName === 'ApproximateAgeOfOldestMessage' &&
          JSON.stringify(a.Dimensions).includes(queueNamed(PROVISIONING_DLQ_NAME)[0]),
      ),
    ).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 7 * 24 * 3600 });
    expect(byMetric('sweep_guard_tripped')).toMatchObject({
      Namespace: 'Provisioner',
      Dimensions: [{ Name: 'service', Value: 'provisioner' }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [queueNamed(PROVISIONING_DLQ_NAME)[0], 'QueueName'] } },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(byMetric('Errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(
      alarms.find(
        (a) =>
          a.MetricName === 'ApproximateAgeOfOldestMessage' &&
          JSON.stringify(a.Dimensions).includes(queueNamed(PROVISIONING_QUEUE_NAME)[0]),
      ),
    ).toMatchObject({
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [queueNamed(PROVISIONING_QUEUE_NAME)[0], 'QueueName'] } },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 15 * 60,
    });
    // The handler's own metric (Powertools: namespace Provisioner, dimension service).
    expect(byMetric('requests_failed')).toMatchObject({
      Namespace: 'Provisioner',
      Dimensions: [{ Name: 'service', Value: 'provisioner' }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('gives one invocation room for a batch: the record budget fits the function timeout', () => {
    expect(RECORD_TIME_BUDGET.toSeconds()).toBeLessThan(HANDLER_TIMEOUT.toSeconds());
  });

  it('notifies an encrypted, TLS-only topic that CloudWatch alarms of this account may publish to', () => {
    const [topicId, topic] = onlyResource('AWS::SNS::Topic');
    const [, topicPolicy] = onlyResource('AWS::SNS::TopicPolicy');
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = template.toJSON().Resources[keyId] as Resource;
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);

    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(topicPolicy.Properties.PolicyDocument).toMatchObject({
      Statement: expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
      ]),
    });
    expect(key.Properties).toMatchObject({
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });
});

describe('ProvisionerStack outputs', () => {
  it('exports the queue URLs and table name under the keys the CLI reads', () => {
    const [tableId] = onlyResource('AWS::DynamoDB::GlobalTable');
    const [queueId] = queueNamed(PROVISIONING_QUEUE_NAME);
    const [dlqId] = queueNamed(PROVISIONING_DLQ_NAME);

    template.hasOutput(STACK_OUTPUTS.queueUrl, { Value: { Ref: queueId } });
    template.hasOutput(STACK_OUTPUTS.tableName, { Value: { Ref: tableId } });
    template.hasOutput(STACK_OUTPUTS.deadLetterQueueUrl, { Value: { Ref: dlqId } });
    template.hasOutput(STACK_OUTPUTS.credentialsKeyArn, Match.anyValue());
    expect(STACK_OUTPUTS).toEqual({
      queueUrl: 'ProvisioningQueueUrl',
      tableName: 'LedgerTableName',
      deadLetterQueueUrl: 'DeadLetterQueueUrl',
      credentialsKeyArn: 'CredentialsKeyArn',
    });
  });

  it('also exports the DLQ URL, each vendor secret ARN, the queue key and the alarm topic', () => {
    const [dlqId] = queueNamed(PROVISIONING_DLQ_NAME);
    const secretIds = resourcesOfType('AWS::SecretsManager::Secret').map(([id]) => id);

    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: dlqId } });
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.endsWith('SecretArn'))).toEqual(
      PLATFORM_SECRETS.map((spec) => spec.outputId),
    );
    for (const spec of PLATFORM_SECRETS) {
      const output = template.findOutputs(spec.outputId)[spec.outputId] as { Value: { Ref: string } };
      expect(secretIds).toContain(output.Value.Ref);
    }
    expect(template.findOutputs('VendorSecretArn')).toEqual({});
    template.hasOutput('QueueKeyArn', Match.anyValue());
    template.hasOutput('AlarmTopicArn', Match.anyValue());
  });
});

describe('ProvisionerStack cdk-nag', () => {
  type Violation = { ruleName: string; severity: string; reason?: string; acknowledgedAt?: string };
  type Report = {
    pluginReports: { pluginName: string; violations: Violation[]; suppressedViolations?: Violation[] }[];
  };

  const readReport = (): Report =>
    JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;

  it('synthesizes with the AwsSolutions and Serverless checks reporting no unacknowledged error', () => {
    const report = readReport();

    const errors = report.pluginReports.flatMap((r) =>
      r.violations.filter((v) => v.severity === 'error' || v.severity === 'fatal').map((v) => v.ruleName),
    );

    expect(report.pluginReports.map((r) => r.pluginName)).toEqual(
      expect.arrayContaining(['AwsSolutions', 'Serverless']),
    );
    expect(errors).toEqual([]);
    Annotations.fromStack(built.stack).hasNoError('*', Match.anyValue());
  });

  it('acknowledges only the schedulers invoking their functions, the secret rotation, tracing off, and the dead-letter paths SQS owns, with reasons', () => {
    const suppressed = readReport().pluginReports.flatMap((r) => r.suppressedViolations ?? []);

    const acknowledged = suppressed.map((v) => `${v.ruleName} at ${v.acknowledgedAt}`).sort();

    const schedulerRole = (name: string) =>
      expect.stringMatching(
        new RegExp(
          `^AwsSolutions-IAM5\\[Resource::<${name}Function\\w+\\.Arn>:\\*\\] at ${DEFAULT_STACK_NAME}/${name}/ScheduleRole$`,
        ),
      );
    expect(acknowledged).toEqual([
      schedulerRole('ExpirySweep'),
      schedulerRole('QuarantineProber'),
      schedulerRole('Reconciliation'),
      ...PLATFORM_SECRETS.map(
        (spec) => `AwsSolutions-SMG4 at ${DEFAULT_STACK_NAME}/${spec.constructId}`,
      ).sort(),
      `Serverless-LambdaDLQ at ${DEFAULT_STACK_NAME}/ExpirySweep/FunctionFunction`,
      `Serverless-LambdaDLQ at ${DEFAULT_STACK_NAME}/ProcessProvisioningRequests`,
      `Serverless-LambdaDLQ at ${DEFAULT_STACK_NAME}/QuarantineProber/FunctionFunction`,
      `Serverless-LambdaDLQ at ${DEFAULT_STACK_NAME}/Reconciliation/FunctionFunction`,
      expect.stringMatching(
        new RegExp(
          `^Serverless-LambdaEventSourceMappingDestination at ${DEFAULT_STACK_NAME}/ProcessProvisioningRequests/SqsEventSource:\\w+$`,
        ),
      ),
      `Serverless-LambdaTracing at ${DEFAULT_STACK_NAME}/ExpirySweep/FunctionFunction`,
      `Serverless-LambdaTracing at ${DEFAULT_STACK_NAME}/ProcessProvisioningRequests`,
      `Serverless-LambdaTracing at ${DEFAULT_STACK_NAME}/QuarantineProber/FunctionFunction`,
      `Serverless-LambdaTracing at ${DEFAULT_STACK_NAME}/Reconciliation/FunctionFunction`,
      `Serverless-SQSRedrivePolicy at ${DEFAULT_STACK_NAME}/DeadLetterQueue`,
      `Serverless-SQSRedrivePolicy at ${DEFAULT_STACK_NAME}/Outcomes/ExampleDeadLetterQueue`,
    ]);
    for (const violation of suppressed) expect(violation.reason?.length).toBeGreaterThan(40);
  });

  it('fails synthesis when a function role gets a wildcard resource', () => {
    // Prepare
    const { app, stack } = createProvisionerApp({
      context: { ...CDK_CONTEXT, ...NO_BUNDLING },
      outdir: join(outdir, 'nag-wildcard'),
    });

    // Act
    stack.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:ListQueues'], resources: ['*'] }));

    // Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });

  it('fails synthesis when a construct breaks a Serverless rule', () => {
    // Prepare
    const { app, stack } = createProvisionerApp({
      context: { ...CDK_CONTEXT, ...NO_BUNDLING },
      outdir: join(outdir, 'nag-serverless'),
    });

    // Act
    const queue = new sqs.Queue(stack, 'UndeadQueue', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.KMS_MANAGED,
    });

    // Assess
    expect(queue.deadLetterQueue).toBeUndefined();
    expect(() => app.synth()).toThrow(/Serverless-SQSRedrivePolicy/);
  });

  it('fails synthesis when a construct breaks an AwsSolutions rule', () => {
    const { app, stack } = createProvisionerApp({
      context: { ...CDK_CONTEXT, ...NO_BUNDLING },
      outdir: join(outdir, 'nag'),
    });
    new sqs.Queue(stack, 'PlainQueue');

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});

describe('createProvisionerApp', () => {
  it(`names the stack ${DEFAULT_STACK_NAME} unless the stackName context says otherwise`, () => {
    const named = createProvisionerApp({ context: { ...NO_BUNDLING, stackName: 'Provisioner-staging' } });

    expect(built.stack.stackName).toBe(DEFAULT_STACK_NAME);
    expect(named.stack.stackName).toBe('Provisioner-staging');
  });

  it('refuses a stackName CloudFormation would reject', () => {
    const build = () => createProvisionerApp({ context: { ...NO_BUNDLING, stackName: 'not a stack' } });

    expect(build).toThrow(InfraConfigurationError);
  });
});

describe('ProvisionerStack props', () => {
  const stackWith = (props: ConstructorParameters<typeof ProvisionerStack>[2]) =>
    new ProvisionerStack(new App({ context: NO_BUNDLING }), 'Tuned', props);

  it('uses one maxReceiveCount for the redrive policy and the handler', () => {
    const tuned = Template.fromStack(stackWith({ maxReceiveCount: 3 }));
    const queue = Object.values(tuned.findResources('AWS::SQS::Queue')).find(
      (q) => q.Properties.QueueName === PROVISIONING_QUEUE_NAME,
    );
    const [handler] = Object.values(tuned.findResources('AWS::Lambda::Function'));

    expect(queue?.Properties.RedrivePolicy.maxReceiveCount).toBe(3);
    expect(handler?.Properties.Environment.Variables.MAX_RECEIVE_COUNT).toBe('3');
  });

  it('refuses settings SQS or the handler would reject', () => {
    expect(() => stackWith({ maxConcurrency: 1 })).toThrow(InfraConfigurationError);
    expect(() => stackWith({ retryBaseSeconds: 60, retryMaxSeconds: 30 })).toThrow(/retryMaxSeconds/);
    expect(() => stackWith({ maxReceiveCount: 0 })).toThrow(/maxReceiveCount/);
  });
});

describe('ProvisionerStack credentials key', () => {
  type KeyStatement = Statement & { Principal?: unknown };
  const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:role/provisioner-break-glass`;

  const credentialsKeyPolicy = (of: Template = template): KeyStatement[] => {
    const [key] = Object.entries(of.findResources('AWS::KMS::Key')).filter(([id]) =>
      id.startsWith('CredentialsKey'),
    );
    if (key === undefined) throw new Error('No credentials key in the template');
    return (key[1].Properties.KeyPolicy as { Statement: KeyStatement[] }).Statement;
  };
  const allowing = (statements: KeyStatement[], action: string) =>
    statements.filter(
      (s) =>
        s.Effect === 'Allow' &&
        actionsOf(s).some(
          (a) => a === action || a === 'kms:*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))),
        ),
    );
  const withContext = (context: Record<string, unknown>) =>
    createProvisionerApp({ context: { ...CDK_CONTEXT, ...NO_BUNDLING, ...context } });

  it('lets the handler role Decrypt, and the account through IAM only for roles tagged as readers, under the context', () => {
    // Prepare
    const [roleId] = handlerRole();

    // Act
    const statements = credentialsKeyPolicy();

    // Assess
    const decrypt = allowing(statements, 'kms:Decrypt');
    expect(decrypt.map((s) => s.Sid)).toEqual(['TaggedReadersOpen', 'HandlerRoleOpens']);
    expect(decrypt[1]?.Principal).toEqual({ AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    expect(JSON.stringify(decrypt[0]?.Principal)).toContain(':root');
    expect(decrypt[0]?.Condition).toMatchObject({
      StringEquals: {
        'aws:PrincipalTag/provisioner:credentials-reader': DEFAULT_STACK_NAME,
        'kms:EncryptionContext:platform': platformModules.map((p) => p.name),
      },
      Null: { 'kms:EncryptionContext:tenantId': 'false' },
    });
    for (const action of ['kms:ReEncryptFrom', 'kms:CreateGrant'])
      expect(allowing(statements, action)).toEqual([]);
  });

  it('denies Decrypt and re-encryption to every principal other than the handler role and tagged roles of the account', () => {
    // Prepare
    const [roleId] = handlerRole();
    const openers = { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [roleId, 'Arn'] }] };

    // Act
    const denies = credentialsKeyPolicy().filter((s) => s.Effect === 'Deny');

    // Assess
    expect(denies.map((s) => s.Sid)).toEqual(['OnlyNamedRolesOpen', 'OnlyTaggedRolesRead']);
    for (const deny of denies) expect(actionsOf(deny).sort()).toEqual(['kms:Decrypt', 'kms:ReEncrypt*']);
    expect(denies[0]?.Condition).toEqual({
      ArnNotEquals: openers,
      StringNotEquals: { 'aws:PrincipalTag/provisioner:credentials-reader': DEFAULT_STACK_NAME },
    });
    expect(denies[1]?.Condition).toMatchObject({ ArnNotEquals: openers, ArnNotLike: expect.anything() });
    expect(JSON.stringify(denies[1]?.Condition?.ArnNotLike)).toContain(':role/*');
  });

  it('keeps the key administrable by the account: policy, rotation, deletion, tags', () => {
    // Prepare
    const statements = credentialsKeyPolicy();

    // Act
    const administered = [
      'kms:PutKeyPolicy',
      'kms:GetKeyPolicy',
      'kms:DescribeKey',
      'kms:EnableKeyRotation',
      'kms:DisableKey',
      'kms:ScheduleKeyDeletion',
      'kms:CancelKeyDeletion',
      'kms:TagResource',
    ].filter((action) =>
      allowing(statements, action).some(
        (s) => JSON.stringify(s.Principal).includes(':root') && s.Condition === undefined,
      ),
    );

    // Assess
    expect(administered).toHaveLength(8);
  });

  it('adds the break-glass role the breakGlassRoleArn context names to the roles that may Decrypt', () => {
    // Prepare
    const { stack } = withContext({ breakGlassRoleArn: BREAK_GLASS });

    // Act
    const statements = credentialsKeyPolicy(Template.fromStack(stack));

    // Assess
    const principals = allowing(statements, 'kms:Decrypt').map((s) => JSON.stringify(s.Principal));
    expect(principals).toHaveLength(3);
    expect(principals.filter((p) => p.includes(BREAK_GLASS))).toHaveLength(1);
    for (const deny of statements.filter((s) => s.Effect === 'Deny'))
      expect(JSON.stringify(deny.Condition)).toContain(BREAK_GLASS);
  });

  it('refuses a breakGlassRoleArn that is not an IAM role ARN', () => {
    // Prepare
    const build = () => withContext({ breakGlassRoleArn: `arn:aws:iam::${ACCOUNT}:user/alice` });

    // Act, Assess
    expect(build).toThrow(InfraConfigurationError);
  });
});

describe('ProvisionerStack data protection', () => {
  const keyOf = (reference: unknown): Resource => {
    const id = (reference as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0] ?? '';
    return template.toJSON().Resources[id] as Resource;
  };

  it('encrypts the vendor secret with a rotated customer-managed key', () => {
    // Prepare
    const secrets = resourcesOfType('AWS::SecretsManager::Secret');

    // Act
    const keys = secrets.map(([, secret]) => keyOf(secret.Properties.KmsKeyId));

    // Assess
    expect(secrets.length).toBeGreaterThan(0);
    for (const key of keys)
      expect(key).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
  });

  it('encrypts every log group with a key CloudWatch Logs may use, and keeps three months of retention', () => {
    // Prepare
    const logGroups = resourcesOfType('AWS::Logs::LogGroup');

    // Act
    const keys = logGroups.map(([, group]) => keyOf(group.Properties.KmsKeyId));

    // Assess
    expect(logGroups).toHaveLength(4);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(90);
    for (const key of keys) {
      expect(key?.Properties).toMatchObject({
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: expect.arrayContaining([
            expect.objectContaining({
              Principal: {
                Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
              },
            }),
          ]),
        },
      });
    }
  });
});

describe('ProvisionerStack teardown safety', () => {
  const withContext = (context: Record<string, unknown>) =>
    createProvisionerApp({ context: { ...CDK_CONTEXT, ...NO_BUNDLING, ...context } }).stack;

  it('retains both queues and the vendor secrets when the stack is deleted or they are replaced', () => {
    // Prepare
    const retained = [
      ...resourcesOfType('AWS::SQS::Queue'),
      ...resourcesOfType('AWS::SecretsManager::Secret'),
    ];

    // Act
    const policies = retained.map(([, r]) => [
      r.DeletionPolicy,
      (r as { UpdateReplacePolicy?: string }).UpdateReplacePolicy,
    ]);

    // Assess
    expect(retained.length).toBeGreaterThanOrEqual(3);
    for (const policy of policies) expect(policy).toEqual(['Retain', 'Retain']);
  });

  it('turns termination protection on and tags project and stage by default', () => {
    // Prepare, Act
    const stack = built.stack;

    // Assess
    expect(stack.terminationProtection).toBe(true);
    expect(stack.tags.tagValues()).toEqual({ project: 'provisioner', stage: 'prod' });
  });

  it('takes termination protection, project and stage from context', () => {
    // Prepare, Act
    const stack = withContext({ terminationProtection: 'false', project: 'signup', stage: 'staging' });

    // Assess
    expect(stack.terminationProtection).toBe(false);
    expect(stack.tags.tagValues()).toEqual({ project: 'signup', stage: 'staging' });
  });

  it('refuses a terminationProtection that is not true or false, and a stage that cannot be a tag value', () => {
    expect(() => withContext({ terminationProtection: 'maybe' })).toThrow(InfraConfigurationError);
    expect(() => withContext({ stage: 'not a stage!' })).toThrow(InfraConfigurationError);
  });
});

describe('ProvisionerStack outcome events', () => {
  const busId = () => onlyResource('AWS::Events::EventBus')[0];
  const outcomeQueues = () => resourcesOfType('AWS::SQS::Queue').filter(([id]) => id.startsWith('Outcomes'));

  it('creates a custom bus and an example rule sending the detail of every outcome to a queue', () => {
    const [, rule] = onlyResource('AWS::Events::Rule');
    expect(rule.Properties.EventBusName).toEqual({ Ref: busId() });
    expect(rule.Properties.EventPattern).toEqual({
      source: ['provisioner'],
      'detail-type': [
        'Provisioning request succeeded',
        'Provisioning request failed',
        'Provisioning request rejected',
      ],
    });
    const [target] = rule.Properties.Targets as Record<string, unknown>[];
    const [queueId] = resourceOf('AWS::SQS::Queue', 'OutcomesExampleQueue');
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      InputPath: '$.detail',
      DeadLetterConfig: {
        Arn: { 'Fn::GetAtt': [resourceOf('AWS::SQS::Queue', 'OutcomesExampleDeadLetterQueue')[0], 'Arn'] },
      },
    });
  });

  it('gives the example queue its own dead-letter queue, both encrypted, TLS-only and retained', () => {
    const queues = outcomeQueues();
    expect(queues).toHaveLength(2);
    const [dlqId] = resourceOf('AWS::SQS::Queue', 'OutcomesExampleDeadLetterQueue');
    const [, queue] = resourceOf('AWS::SQS::Queue', 'OutcomesExampleQueue');
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 10,
    });
    const policies = resourcesOfType('AWS::SQS::QueuePolicy').map(([, p]) => JSON.stringify(p.Properties));
    for (const [id, q] of queues) {
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      expect(q.DeletionPolicy).toBe('Retain');
      const policy = policies.find((p) => p.includes(`"Ref":"${id}"`));
      expect(policy).toContain('aws:SecureTransport');
      expect(policy).toContain('events.amazonaws.com');
    }
  });

  it('lets the handler put events on that bus only, and names the bus in its environment', () => {
    const statements = policyStatementsOf(handlerRole()[0]);
    const puts = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
    expect(puts).toEqual([
      expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId(), 'Arn'] } }),
    ]);
    const [, handler] = handlerFunction();
    const variables = (handler.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.OUTCOME_BUS_NAME).toEqual({ Ref: busId() });
  });

  it('exports the bus name and ARN and the example queue URL', () => {
    template.hasOutput('OutcomeBusName', { Value: { Ref: busId() } });
    template.hasOutput('OutcomeBusArn', { Value: { 'Fn::GetAtt': [busId(), 'Arn'] } });
    template.hasOutput('OutcomesExampleQueueUrl', {
      Value: { Ref: resourceOf('AWS::SQS::Queue', 'OutcomesExampleQueue')[0] },
    });
  });
});
