import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { InfraConfigurationError } from './errors.ts';
import { ProvisionerStack, type ReconcileProps, type SweepProps } from './provisioner-stack.ts';

/** Stack name when the `stackName` context value is absent. */
export const DEFAULT_STACK_NAME = 'Provisioner';

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
/** A `project` or `stage` tag value: short, and valid for every service that takes the stack's tags. */
const TAG_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.:/=+@-]{0,63}$/;

/** Tag `project` when the `project` context value is absent. */
export const DEFAULT_PROJECT = 'provisioner';
/** Tag `stage` when the `stage` context value is absent: the default stack is the production one. */
export const DEFAULT_STAGE = 'prod';

/**
 * Contexts `sweep` and `reconcile`: settings as an object, or its JSON text from the command line
 * (`cdk deploy -c 'sweep={"schedule":"rate(2 hours)","graceDaysByPlatform":{"cloopen":"never"}}'`).
 */
function objectContext<T>(value: unknown, name: string): T | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new InfraConfigurationError(`Context ${name} must be a JSON object`, name);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InfraConfigurationError(`Context ${name} must be an object`, name);
  }
  // Each field is checked by the stack, which names the one at fault.
  return parsed as T;
}

function stringContext(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InfraConfigurationError(`Context ${name} must be text`, name);
  return value;
}

/** Context `terminationProtection`: a boolean, or its text from the command line (`-c terminationProtection=false`). */
function booleanContext(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InfraConfigurationError(
    `Context ${name} must be true or false, got ${JSON.stringify(value)}`,
    name,
  );
}

function tagContext(value: unknown, name: string, fallback: string): string {
  const text = stringContext(value, name) ?? fallback;
  if (!TAG_VALUE.test(text)) {
    throw new InfraConfigurationError(
      `Context ${name} must be a tag value (a letter or digit, then up to 63 letters, digits or _.:/=+@-), got ${JSON.stringify(text)}`,
      name,
    );
  }
  return text;
}

/** The CDK app and its one stack. */
export interface ProvisionerApp {
  readonly app: App;
  readonly stack: ProvisionerStack;
}

/**
 * Builds the app `cdk synth` / `cdk deploy` run (`cdk.json`: `node infra/app.ts`), and the tests: the stack named
 * by context `stackName` (`cdk deploy -c stackName=Provisioner-staging`), checked by cdk-nag's AwsSolutions and
 * Serverless packs, whose unacknowledged findings fail synthesis.
 *
 * Other context values: `terminationProtection` (default true: deleting the stack takes turning it off
 * first), tags `project` (default {@link DEFAULT_PROJECT}) and `stage` (default {@link DEFAULT_STAGE}) on the
 * stack and, through CloudFormation, its resources; `breakGlassRoleArn`, a role that may open sealed
 * credentials besides the handler.
 *
 * The stack is environment-agnostic (no lookups): account and region come from the deploying credentials.
 */
export function createProvisionerApp(props: AppProps = {}): ProvisionerApp {
  const app = new App(props);
  const requested: unknown = app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME;
  if (typeof requested !== 'string' || !STACK_NAME.test(requested)) {
    throw new InfraConfigurationError(
      `Context stackName must be a CloudFormation stack name (a letter, then up to 127 letters, digits or hyphens), got ${JSON.stringify(requested)}`,
      'stackName',
    );
  }
  const stack = new ProvisionerStack(app, requested, {
    description: 'Provisioning pipeline: FIFO queue, handler Lambda, ledger table, vendor secret, alarms',
    sweep: objectContext<SweepProps>(app.node.tryGetContext('sweep'), 'sweep'),
    reconcile: objectContext<ReconcileProps>(app.node.tryGetContext('reconcile'), 'reconcile'),
    alarmEmail: stringContext(app.node.tryGetContext('alarmEmail'), 'alarmEmail'),
    breakGlassRoleArn: stringContext(app.node.tryGetContext('breakGlassRoleArn'), 'breakGlassRoleArn'),
    terminationProtection:
      booleanContext(app.node.tryGetContext('terminationProtection'), 'terminationProtection') ?? true,
    tags: {
      project: tagContext(app.node.tryGetContext('project'), 'project', DEFAULT_PROJECT),
      stage: tagContext(app.node.tryGetContext('stage'), 'stage', DEFAULT_STAGE),
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

if (import.meta.main) {
  createProvisionerApp().app.synth();
}
