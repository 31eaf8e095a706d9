import type { Credentials } from '../../ports/platform.ts';
import type { PlatformModule } from '../../ports/platform-module.ts';
import { Secret } from '../../secret.ts';
import { getCheck, listCheck } from '../checks.ts';
import { connectPlatform } from '../connect.ts';
import { createBaijiayunClient } from './client.ts';
import { BaijiayunError } from './errors.ts';
import type { BaijiayunUpdateInput } from './inputs.ts';
import { baijiayunCreateProfile, baijiayunUpdateProfile } from './profiles.ts';
import { baijiayunSettings, loadBaijiayunConfig } from './settings.ts';

const facts = { name: 'baijiayun', naturalKey: 'mobile', expiryRequired: true } as const;

/**
 * Baijiayun (百家云) as a plug-in: sub-accounts of one partner, named by their login `mobile`. Every
 * sub-account has an effect and an expiry time; all lifecycle operations are supported.
 */
export const baijiayunPlatform: PlatformModule = {
  ...facts,
  title: 'Baijiayun (百家云)',
  settings: baijiayunSettings,
  profiles: { create: baijiayunCreateProfile, update: baijiayunUpdateProfile },
  capabilities: new Set(['suspend', 'resume', 'update', 'close']),
  // As the platform's API names them (getAccountInfo), which is what a signup flow looks for.
  credentialNames: { partnerKey: 'partner_key', secretKey: 'secret_key', subAccountId: 'partner_id' },
  connect(source, options = {}) {
    const client = createBaijiayunClient(loadBaijiayunConfig(source), {
      now: options.now,
      fetch: options.fetch,
      rateBudget: options.rateBudget,
    });
    return connectPlatform(facts, client, {
      profiles: { create: baijiayunCreateProfile, update: baijiayunUpdateProfile },
      create: (p, context) => {
        if (context.expiresAt === undefined) {
          // The use case gives every create an expiry on a platform that requires one; this is a guard.
          throw new BaijiayunError('a Baijiayun sub-account needs an expire_time', {
            category: 'invalid-request',
            operation: 'addSubAccount',
          });
        }
        return {
          naturalKey: p.mobile,
          input: {
            mobile: p.mobile,
            email: p.email,
            password: p.password ? new Secret(p.password) : context.generatePassword(),
            effectTime: p.effectTime ? new Date(p.effectTime) : context.now,
            expireTime: context.expiresAt,
            company: p.company,
            contacts: p.contacts,
            products: p.products,
            creditMoney: p.creditMoney,
          },
        };
      },
      update: (p = {}, { expiresAt }) => {
        const changes: BaijiayunUpdateInput = {
          mobile: p.mobile,
          email: p.email,
          password: p.password === undefined ? undefined : new Secret(p.password),
          company: p.company,
          contacts: p.contacts,
          effectTime: p.effectTime === undefined ? undefined : new Date(p.effectTime),
          expireTime: expiresAt,
          products: p.products,
          creditMoney: p.creditMoney,
        };
        const changed = Object.entries(changes).flatMap(([k, v]) => (v === undefined ? [] : [k]));
        const credentials: Credentials | undefined =
          changes.password === undefined ? undefined : { password: changes.password };
        return {
          changes: changed.length > 0 ? changes : undefined,
          changed,
          naturalKey: p.mobile,
          credentials,
        };
      },
    });
  },
  checks: [
    listCheck({
      description: 'List sub-accounts (getSubAccountList, all pages)',
      columns: ['id', 'naturalKey', 'status', 'createdAt', 'expiresAt'],
      filtersByStatus: true,
    }),
    getCheck({
      description: 'Show one sub-account (getAccountInfo); credentials are redacted',
      argument: { name: 'subPartnerId', description: 'the sub-account partner_id' },
      idPattern: /^\d{1,20}$/,
      idRule: 'numeric',
    }),
  ],
};
