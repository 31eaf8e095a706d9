import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createProvisionerApp } from '../../infra/app.ts';
import { InfraConfigurationError } from '../../infra/errors.ts';
import { PLATFORM_SECRETS } from '../../infra/platform-settings.ts';
import { LEDGER_INDEX, LEDGER_TTL_ATTRIBUTE } from '../../shared/ledger/table.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const CDK_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;
/** Skips esbuild: these tests read the template, not the bundle. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function synth(context: Record<string, unknown> = {}): Template {
  const { stack } = createProvisionerApp({ context: { ...CDK_CONTEXT, ...NO_BUNDLING, ...context } });
  return Template.fromStack(stack);
}

function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function sweepFunction(template: Template): [string, Resource] {
  const found = resources(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('ExpirySweep'));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

function sweepStatements(template: Template): Statement[] {
  const [roleId] =
    resources(template, 'AWS::IAM::Role').filter(([id]) => id.startsWith('ExpirySweepFunctionRole'))[0] ?? [];
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (s: Statement) => (typeof s.Action === 'string' ? [s.Action] : s.Action);

describe('the expiry sweep in the stack', () => {
  const template = synth();

  it('runs its own function hourly by default, through EventBridge Scheduler', () => {
    // Prepare
    const [functionId, fn] = sweepFunction(template);

    // Act
    const [[, schedule]] = resources(template, 'AWS::Scheduler::Schedule') as [[string, Resource]];

    // Assess
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
  });

  it('configures the grace, the guard and the queue for the function', () => {
    // Act
    const [, fn] = sweepFunction(template);
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(env).toMatchObject({
      SWEEP_GRACE_DAYS: '30',
      SWEEP_GUARD_MINIMUM: '20',
      SWEEP_GUARD_PERCENT: '5',
      SWEEP_MAX_ACTIONS: '500',
    });
    expect(env.QUEUE_URL).toBeDefined();
    expect(env.LEDGER_TABLE_NAME).toBeDefined();
    expect(Object.keys(env).filter((name) => name.endsWith('_SECRET_ARN'))).toEqual([]);
    expect(env).not.toHaveProperty('CREDENTIALS_KMS_KEY_ID');
  });

  it('lets the sweep query the index, log operations events, and queue requests, and nothing else', () => {
    // Act
    const statements = sweepStatements(template);
    const all = statements.flatMap(actions);

    // Assess
    expect(statements.find((s) => s.Sid === 'LedgerIndexQuery')?.Resource).toMatchObject({
      'Fn::Join': ['', [expect.anything(), `/index/${LEDGER_INDEX.indexName}`]],
    });
    expect(statements.find((s) => s.Sid === 'LedgerRecordOperations')).toMatchObject({
      Action: 'dynamodb:PutItem',
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OPERATIONS#*'] } },
    });
    expect(all).toContain('sqs:SendMessage');
    for (const forbidden of [
      'dynamodb:Scan',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'kms:Encrypt',
    ]) {
      expect(all).not.toContain(forbidden);
    }
    expect(all.some((a) => a.startsWith('secretsmanager:'))).toBe(false);
  });

  it('takes its schedule and graces from the sweep context, per platform too', () => {
    // Act
    const custom = synth({
      sweep: JSON.stringify({ schedule: 'rate(2 hours)', graceDaysByPlatform: { cloopen: 'never' } }),
    });

    // Assess
    const [[, schedule]] = resources(custom, 'AWS::Scheduler::Schedule') as [[string, Resource]];
    const env = (sweepFunction(custom)[1].Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(schedule.Properties.ScheduleExpression).toBe('rate(2 hours)');
    expect(env.SWEEP_GRACE_DAYS_CLOOPEN).toBe('never');
  });

  it('refuses a grace for a platform it does not know, or a grace that is not a number of days', () => {
    expect(() => synth({ sweep: { graceDaysByPlatform: { twilio: 3 } } })).toThrow(InfraConfigurationError);
    expect(() => synth({ sweep: { graceDays: 'soon' } })).toThrow(InfraConfigurationError);
  });
});

describe('the ledger table in the stack', () => {
  it('expires items by the TTL attribute the ledger writes on rejection records', () => {
    // Act
    const [[, table]] = resources(synth(), 'AWS::DynamoDB::GlobalTable') as [[string, Resource]];

    // Assess
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: LEDGER_TTL_ATTRIBUTE,
      Enabled: true,
    });
  });
});

function reconcileStatements(template: Template): Statement[] {
  const [roleId] =
    resources(template, 'AWS::IAM::Role').filter(([id]) => id.startsWith('ReconciliationFunctionRole'))[0] ??
    [];
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('the reconciliation in the stack', () => {
  const template = synth();

  it('runs its own function daily by default, with the platform secret', () => {
    // Prepare
    const found = resources(template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('Reconciliation'),
    );
    const [[functionId, fn]] = found as [[string, Resource]];

    // Act
    const schedule = resources(template, 'AWS::Scheduler::Schedule').find(([, s]) =>
      JSON.stringify(s.Properties.Target).includes(functionId),
    )?.[1];

    // Assess
    expect(schedule?.Properties.ScheduleExpression).toBe('rate(1 day)');
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const spec of PLATFORM_SECRETS) expect(env[spec.arnVariable]).toBeDefined();
    expect(env).not.toHaveProperty('VENDOR_SECRET_ARN');
    expect(env).not.toHaveProperty('CREDENTIALS_KMS_KEY_ID');
  });

  it('lets it list accounts, keep drift records and book rate-budget slots, and never write an account', () => {
    // Act
    const statements = reconcileStatements(template);
    const all = statements.flatMap(actions);

    // Assess
    expect(statements.find((s) => s.Sid === 'LedgerDriftRecords')).toMatchObject({
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DRIFT#*'] } },
    });
    expect(all).toContain('secretsmanager:GetSecretValue');
    for (const forbidden of ['dynamodb:Scan', 'kms:Encrypt', 'sqs:SendMessage']) {
      expect(all).not.toContain(forbidden);
    }
    const putStatements = statements.filter((s) => actions(s).includes('dynamodb:PutItem'));
    expect(putStatements.every((s) => s.Sid === 'LedgerDriftRecords')).toBe(true);
    const updateStatements = statements.filter((s) => actions(s).includes('dynamodb:UpdateItem'));
    expect(updateStatements).toEqual([
      expect.objectContaining({
        Sid: 'LedgerRateBudget',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATEBUDGET#*'] } },
      }),
    ]);
  });

  it('takes its schedule and balance thresholds from the reconcile context, and refuses unknown platforms', () => {
    // Act
    const custom = synth({ reconcile: { schedule: 'rate(12 hours)', balanceThresholds: { cloopen: 500 } } });

    // Assess
    const expressions = resources(custom, 'AWS::Scheduler::Schedule').map(
      ([, s]) => s.Properties.ScheduleExpression,
    );
    expect(expressions).toContain('rate(12 hours)');
    const balance = resources(custom, 'AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties.MetricName === 'master_balance',
    );
    expect(balance?.[1].Properties.Threshold).toBe(500);
    expect(() => synth({ reconcile: { balanceThresholds: { twilio: 1 } } })).toThrow(InfraConfigurationError);
  });
});

describe('the operations dashboard and alarm subscription', () => {
  it('draws requests, latency, queues, the DLQ, the sweep, drift and balances on one dashboard', () => {
    // Act
    const [[, dashboard]] = resources(synth(), 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);

    // Assess
    for (const title of [
      'Requests by platform, action and outcome',
      'Platform call latency',
      'Provisioning queue',
      'Oldest queued request',
      'Dead letters',
      'Expiry sweep',
      'Drift',
      'Master account balance',
    ]) {
      expect(body).toContain(title);
    }
    for (const metric of [
      'requests',
      'platform_call_ms',
      'sweep_guard_tripped',
      'drift_found',
      'master_balance',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('subscribes the address the alarmEmail context names to the alarm topic, and none by default', () => {
    // Act
    const withEmail = resources(synth({ alarmEmail: 'ops@example.com' }), 'AWS::SNS::Subscription');
    const without = resources(synth(), 'AWS::SNS::Subscription');

    // Assess
    expect(withEmail.map(([, s]) => s.Properties)).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.com' }),
    ]);
    expect(without).toEqual([]);
    expect(() => synth({ alarmEmail: 'not an address' })).toThrow(InfraConfigurationError);
  });
});

describe('the quarantine prober in the stack', () => {
  it('runs every minute, may touch only quarantine and rate-budget items and message visibility, and reads the platform secret', () => {
    // Prepare
    const template = synth();
    const [[functionId]] = resources(template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('QuarantineProber'),
    ) as [[string, Resource]];
    const [roleId] =
      resources(template, 'AWS::IAM::Role').filter(([id]) =>
        id.startsWith('QuarantineProberFunctionRole'),
      )[0] ?? [];

    // Act
    const schedule = resources(template, 'AWS::Scheduler::Schedule').find(([, s]) =>
      JSON.stringify(s.Properties.Target).includes(functionId),
    )?.[1];
    const statements = resources(template, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

    // Assess
    expect(schedule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(statements.find((s) => s.Sid === 'LedgerQuarantineItems')?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['QUARANTINE#*'] },
    });
    expect(statements.find((s) => s.Sid === 'LedgerRateBudget')?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATEBUDGET#*'] },
    });
    const all = statements.flatMap(actions);
    expect(all).toContain('sqs:ChangeMessageVisibility');
    for (const forbidden of [
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'sqs:SendMessage',
      'sqs:DeleteMessage',
      'kms:Encrypt',
    ]) {
      expect(all).not.toContain(forbidden);
    }
  });
});
