import type { Command } from 'commander';
import type { AccountCredentials } from '../shared/credentials/index.ts';
import { platformModules, platformNames } from '../shared/platforms/registry.ts';
import type { PlatformName } from '../shared/ports/platform.ts';
import { RevealRequiredError } from './errors.ts';
import { type Output, printJson } from './output.ts';
import { platformOption } from './pipeline-commands.ts';
import type { Target } from './target.ts';

/**
 * The document `provisioner credentials --reveal --json` prints: `platform`, `tenantId`, `subAccountId`, then
 * each credential, revealed, under the platform's own name for it (the plug-in's `credentialNames`: Cloopen
 * `subAccountSid`, `subToken`, `voipAccount`, `voipPwd`; Baijiayun `partner_id`, `partner_key`,
 * `secret_key`, `password`). The three account fields win over a credential of the same name, so a
 * consumer can always rely on them.
 */
export function credentialsDocument(read: AccountCredentials): Record<string, string | null> {
  const account = {
    platform: read.platform,
    tenantId: read.tenantId,
    subAccountId: read.subAccountId ?? null,
  };
  const names = platformModules.find((m) => m.name === read.platform)?.credentialNames ?? {};
  const idName = names.subAccountId;
  const revealed = Object.fromEntries(
    Object.entries(read.credentials).map(([n, v]) => [names[n] ?? n, v.reveal()]),
  );
  const id = idName === undefined ? {} : { [idName]: account.subAccountId };
  return Object.assign({ ...account }, id, revealed, account);
}

/** `provisioner credentials`: one account's unsealed credentials, printed only when asked to with `--reveal`. */
export function registerCredentialsCommand(
  program: Command,
  target: () => Promise<Target>,
  output: Output,
): void {
  program
    .command('credentials')
    .description(
      "Print one account's sub-account credentials, unsealed with the caller's own rights (only with --reveal)",
    )
    .requiredOption('--platform <platform>', platformNames.join(' | '), platformOption)
    .requiredOption('--tenant <tenantId>', "the caller's tenant id")
    .option('--reveal', 'print the values (required: without it nothing is read)')
    .option('--json', 'print one JSON document: platform, tenantId, subAccountId and each credential')
    .action(async (options: { platform: PlatformName; tenant: string; reveal?: boolean; json?: boolean }) => {
      // Refused before anything is read or decrypted: a stray invocation opens nothing.
      if (!options.reveal) {
        throw new RevealRequiredError(
          'This prints secret credentials: add --reveal to print them (e.g. into a secret store, not a shared terminal)',
        );
      }
      const reader = await (await target()).credentialsReader();
      const read = await reader.read({ platform: options.platform, tenantId: options.tenant });
      if (output.stdoutIsTerminal) {
        output.err(
          'warning: printing sub-account credentials to a terminal, where scrollback and screen sharing keep them; redirect or pipe the output instead',
        );
      }
      const document = credentialsDocument(read);
      if (options.json) return printJson(output, document);
      for (const [name, value] of Object.entries(document)) output.out(`${name}: ${value ?? '-'}`);
    });
}
