import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InfraConfigurationError } from './errors.ts';
import { ProvisionerStack, type ReconcileProps, type SweepProps } from './provisioner-stack.ts';

/** Stack name when the `stackName` context value is absent. */
export const DEFAULT_STACK_NAME = 'Provisioner';

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

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

/** The CDK app and its one stack. */
export interface ProvisionerApp {
  readonly app: App;
  readonly stack: ProvisionerStack;
}

/**
 * Builds the app `cdk synth` / `cdk deploy` run (`cdk.json`: `node infra/app.ts`), and the tests: the stack named
 * by context `stackName` (`cdk deploy -c stackName=Provisioner-staging`), checked by cdk-nag's AwsSolutions pack,
 * whose unacknowledged findings fail synthesis.
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
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.main) {
  createProvisionerApp().app.synth();
}
