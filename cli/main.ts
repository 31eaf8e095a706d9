import { Command, CommanderError } from 'commander';
import { ConfigurationError, type Environment, loadCliConfig, STACK_NAME_PATTERN } from '../shared/config.ts';
import { settingsPatterns } from '../shared/platforms/sources.ts';
import { registerCredentialsCommand } from './credentials-command.ts';
import { CliUsageError } from './errors.ts';
import { platformEnvironment } from './local-stack-file.ts';
import { registerOperationsCommands } from './operations-commands.ts';
import { registerOutcomesCommand } from './outcomes-command.ts';
import { describeError, errorDocument, type Output, printJson } from './output.ts';
import { registerPipelineCommands } from './pipeline-commands.ts';
import { registerPlatformCommands } from './platform-commands.ts';

/** Checked as commander parses it, so a name CloudFormation would refuse never reaches an AWS call. */
function stackNameOption(value: string): string {
  if (!STACK_NAME_PATTERN.test(value)) {
    throw new CliUsageError(
      `--stack "${value}" is not a CloudFormation stack name: it starts with a letter and has only letters, digits and hyphens, 128 at most`,
    );
  }
  return value;
}

/**
 * Runs the `provisioner` CLI with the given arguments (without `node` and the script) and returns the exit
 * code. Everything it needs comes in, so tests run it in-process.
 */
export async function runCli(argv: readonly string[], env: Environment, output: Output): Promise<number> {
  const program = new Command('provisioner')
    .description('Provisioning back office: drive the pipeline and check the vendor platforms')
    .option(
      '--stack <name>',
      'use a deployed stack (its CloudFormation outputs) instead of the local one',
      stackNameOption,
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) });

  const config = () => {
    const cli = loadCliConfig(env);
    const stack = program.opts<{ stack?: string }>().stack;
    return stack ? { ...cli, stackName: stack } : cli;
  };
  const platformSettings = async () => platformEnvironment(env, config());
  registerPlatformCommands(program, platformSettings, output);
  // The AWS SDK and the ledger load only for the commands that use them.
  const target = async () => (await import('./target.ts')).resolveTarget(config());
  registerPipelineCommands(program, target, output);
  registerOperationsCommands(program, target, env, platformSettings, output);
  registerOutcomesCommand(program, target, output);
  registerCredentialsCommand(program, target, output);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const json = argv.includes('--json');
    if (json) printJson(output, errorDocument(error));
    else output.err(`error: ${describeError(error)}`);
    if (!json && error instanceof ConfigurationError && argv[0] === 'platform') {
      output.err(
        `hint: set the ${settingsPatterns()} variables (see README), or run \`npm start\` or \`npm run simulators\` to use the simulators`,
      );
    }
    return 1;
  }
}
