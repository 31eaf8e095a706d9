import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_BUNDLING } from '../bundling.ts';
import { InfraConfigurationError } from '../errors.ts';

/** `POWERTOOLS_SERVICE_NAME` of every provisioning function: the `service` dimension of their metrics. */
export const POWERTOOLS_SERVICE_NAME = 'provisioner';
/** `POWERTOOLS_METRICS_NAMESPACE` of every provisioning function. */
export const POWERTOOLS_METRICS_NAMESPACE = 'Provisioner';

/** A metric the functions emit through Powertools (their namespace, dimension `service`). */
export function serviceMetric(
  metricName: string,
  period: Duration,
  statistic: string,
  dimensions: Record<string, string> = {},
  label?: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: POWERTOOLS_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, ...dimensions },
    period,
    statistic,
    ...(label === undefined ? {} : { label }),
  });
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOCK_FILE = fileURLToPath(new URL('../../package-lock.json', import.meta.url));

/** Settings of a {@link ProvisioningFunction}. */
export interface ProvisioningFunctionProps {
  /** The handler module, an absolute path (inside the repository, whose lock file pins the bundle). */
  readonly entry: string;
  /** The module's export Lambda calls. Default `handler`. */
  readonly handler?: string | undefined;
  /** The function's description. */
  readonly description: string;
  /** The role's description. */
  readonly roleDescription: string;
  /** The function's timeout; a queue feeding it needs a visibility timeout of at least six times this. */
  readonly timeout: Duration;
  /** Default 512 MB. */
  readonly memorySize?: number | undefined;
  /**
   * The function's own variables. The Powertools settings and `NODE_OPTIONS` are added to them, the same for
   * every function; a variable of that set here is refused.
   */
  readonly environment?: Readonly<Record<string, string>> | undefined;
  /** `POWERTOOLS_LOG_LEVEL`. Default INFO. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** Retention of the function's logs. Default three months. */
  readonly logRetention?: logs.RetentionDays | undefined;
  /**
   * Encrypts the function's log group; its policy must let CloudWatch Logs use it (see `LogsEncryptionKey`).
   * Default: CloudWatch Logs' own encryption.
   */
  readonly logEncryptionKey?: kms.IKey | undefined;
  /** Construct id of the function. Default `{id}Function`; the role and log group are `{id}Role`, `{id}Logs`. */
  readonly functionId?: string | undefined;
}

/**
 * A pipeline function: an ESM `NodejsFunction` on nodejs24.x, bundled as `FUNCTION_BUNDLING` says (the AWS
 * SDK left to the runtime), on ARM64, without X-Ray tracing (see the acknowledgement below), with a retained
 * (optionally KMS-encrypted) log group of its own and an explicit role that may write to that log group
 * only. Grant it every other right on a named resource, through {@link role} or {@link function}.
 *
 * The resources are created in `scope`, beside this construct rather than under it, so that they keep the
 * logical IDs and construct paths they had before this construct existed.
 */
export class ProvisioningFunction extends Construct {
  /** The Lambda function. */
  readonly function: NodejsFunction;
  /** Its execution role. */
  readonly role: iam.Role;
  /** Where it logs. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProvisioningFunctionProps) {
    super(scope, id);

    const common: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      // Stack traces point into the TypeScript sources instead of the minified bundle.
      NODE_OPTIONS: '--enable-source-maps',
    };
    const own = props.environment ?? {};
    const clash = Object.keys(own).find((name) => name in common);
    if (clash !== undefined) {
      throw new InfraConfigurationError(`${clash} is set for every provisioning function; drop it`, clash);
    }

    this.logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });

    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: it may write to this one
    // log group only, and every other right is granted on a named resource.
    this.role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.roleDescription,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(scope, props.functionId ?? `${id}Function`, {
      description: props.description,
      entry: props.entry,
      handler: props.handler ?? 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // The function's own variables first, then the common ones (the order they appear in the template).
      environment: { ...own, ...common },
      // One definition with the bench and the bundle test (see FUNCTION_BUNDLING).
      bundling: {
        ...FUNCTION_BUNDLING,
        format: OutputFormat.ESM,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        externalModules: [...FUNCTION_BUNDLING.externalModules],
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'Serverless::Serverless-LambdaTracing',
      reason:
        'Tracing is off on purpose: active tracing records only the Lambda service segments, and the Powertools Tracer that would add the AWS SDK and vendor HTTP subsegments brings the X-Ray SDK, about 110 KB, into every function (over its 300 KB budget) and its init time; the per-platform, per-operation call metrics and the dashboard measure vendor latency instead.',
    });
  }
}
