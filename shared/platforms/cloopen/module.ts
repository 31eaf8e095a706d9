import type { PlatformModule } from '../../ports/platform-module.ts';
import { accountInfoCheck, listCheck } from '../checks.ts';
import { connectPlatform } from '../connect.ts';
import { createCloopenClient } from './client.ts';
import { cloopenCreateProfile, cloopenUpdateProfile } from './profiles.ts';
import { cloopenSettings, loadCloopenConfig } from './settings.ts';

const facts = { name: 'cloopen', naturalKey: 'friendlyName', expiryRequired: false } as const;

/**
 * Cloopen (云通讯) as a plug-in: sub-accounts of one application, named by `friendlyName`. The platform
 * can create, list, find by name and close; it cannot suspend, resume or update, and a close is final.
 */
export const cloopenPlatform: PlatformModule = {
  ...facts,
  title: 'Cloopen (云通讯)',
  settings: cloopenSettings,
  profiles: { create: cloopenCreateProfile, update: cloopenUpdateProfile },
  capabilities: new Set(['close']),
  reportsBalance: true,
  credentialNames: { subAccountId: 'subAccountSid' },
  connect(source, options = {}) {
    const client = createCloopenClient(loadCloopenConfig(source), { now: options.now, fetch: options.fetch });
    return connectPlatform(facts, client, {
      profiles: { create: cloopenCreateProfile, update: cloopenUpdateProfile },
      create: (profile) => ({
        input: { friendlyName: profile.friendlyName, appId: profile.appId },
        naturalKey: profile.friendlyName,
      }),
      // No update endpoint: an update moves only the ledger's expiry.
      update: (_profile, { expiresAt }) => ({ changed: expiresAt === undefined ? [] : ['expiresAt'] }),
    });
  },
  checks: [
    accountInfoCheck('Show the master account (AccountInfo)'),
    listCheck({
      description: 'List sub-accounts (GetSubAccounts, all pages)',
      columns: ['id', 'naturalKey', 'createdAt'],
    }),
  ],
};
