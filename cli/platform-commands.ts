import type { Command } from 'commander';
import type { Environment } from '../shared/config.ts';
import { platformModules } from '../shared/platforms/registry.ts';
import type { CheckOptionValue, PlatformCheck, PlatformModule } from '../shared/ports/platform-module.ts';
import { type Output, printJson, printTable } from './output.ts';

/** How the platform commands find their settings: the environment, else the local stack's simulators. */
export type PlatformEnvironment = () => Promise<Environment>;

function registerCheck(
  parent: Command,
  platform: PlatformModule,
  check: PlatformCheck,
  environment: PlatformEnvironment,
  output: Output,
): void {
  const command = parent.command(check.name).description(check.description);
  if (check.argument) command.argument(`<${check.argument.name}>`, check.argument.description);
  for (const option of check.options ?? []) {
    if (option.parse) command.option(option.flags, option.description, option.parse);
    else command.option(option.flags, option.description, option.defaultValue);
  }
  command.option('--json', 'print one JSON document');
  command.action(async () => {
    const argument = check.argument ? command.args[0] : undefined;
    const options = command.opts<Record<string, CheckOptionValue>>();
    const connected = platform.connect(await environment());
    const report = await check.run(connected, { argument, options });
    if (options.json) return printJson(output, report.json);
    printTable(output, report.rows, report.columns);
    if (report.footer) output.err(report.footer);
  });
}

/** `provisioner platform <name> …`: each registered platform's read-only checks of its settings. */
export function registerPlatformCommands(
  program: Command,
  environment: PlatformEnvironment,
  output: Output,
): void {
  const platform = program.command('platform').description('Read-only checks against a vendor platform');
  for (const module of platformModules) {
    const command = platform.command(module.name).description(module.title);
    for (const check of module.checks) registerCheck(command, module, check, environment, output);
  }
}
