import { randomBytes, randomInt } from 'node:crypto';
import { DuplicateEmailError, DuplicateMobileError } from '../errors.ts';

/** A sub-account as the simulator stores it, under the platform's field names. Secrets in clear: it is a fake. */
export interface SimAccount {
  readonly partner_id: number;
  mobile: string;
  email: string;
  password: string;
  /** `yyyy-MM-dd HH:mm:ss`, UTC+8. */
  effect_time: string;
  expire_time: string;
  company: string;
  contacts: string;
  large_class_user_limit: number;
  large_class_max_user_limit: number;
  business_user_limit: number;
  business_max_user_limit: number;
  large_class_live_max_speakers: number;
  business_live_max_speakers: number;
  /** 0 never opened, 1 open, 2 closed. */
  large_class_status: number;
  small_class_status: number;
  business_status: number;
  video_status: number;
  credit_money: number;
  flow: number;
  max_flow: number;
  storage_limit: number;
  max_storage_limit: number;
  readonly partner_key: string;
  readonly secret_key: string;
  readonly private_domain: string;
  /** `setAccountStatus`: false after status 0. */
  enabled: boolean;
}

/** What `addSubAccount` (or a test seeding the simulator) provides; the rest defaults like the platform's. */
export type NewSimAccount = Pick<
  SimAccount,
  'mobile' | 'email' | 'password' | 'effect_time' | 'expire_time'
> &
  Partial<Omit<SimAccount, 'partner_id' | 'partner_key' | 'secret_key' | 'private_domain' | 'enabled'>>;

const DOMAIN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The simulator's memory: sub-accounts in creation order (which is also the order `getSubAccountList` pages). */
export class BaijiayunSimulatorState {
  readonly accounts = new Map<number, SimAccount>();

  /** Stores a new sub-account with a fresh 8-digit id and random keys; throws on a taken mobile or email. */
  add(input: NewSimAccount): SimAccount {
    if (this.byMobile(input.mobile)) throw new DuplicateMobileError(`mobile ${input.mobile} already exists`);
    if (this.byEmail(input.email)) throw new DuplicateEmailError(`email ${input.email} already exists`);
    let id = randomInt(10_000_000, 100_000_000);
    while (this.accounts.has(id)) id = randomInt(10_000_000, 100_000_000);
    let domain = 'e';
    for (let i = 0; i < 10; i++) domain += DOMAIN_ALPHABET[randomInt(DOMAIN_ALPHABET.length)];
    const account: SimAccount = {
      company: '',
      contacts: '',
      large_class_user_limit: 0,
      large_class_max_user_limit: 0,
      business_user_limit: 0,
      business_max_user_limit: 0,
      large_class_live_max_speakers: 0,
      business_live_max_speakers: 0,
      large_class_status: 0,
      small_class_status: 0,
      business_status: 0,
      video_status: 0,
      credit_money: 0,
      flow: 0,
      max_flow: 0,
      storage_limit: 0,
      max_storage_limit: 0,
      ...input,
      partner_id: id,
      partner_key: randomBytes(48).toString('base64'),
      secret_key: randomBytes(16).toString('hex'),
      private_domain: domain,
      enabled: true,
    };
    this.accounts.set(id, account);
    return account;
  }

  /** The account with this id (number or digit string). */
  byId(id: number | string): SimAccount | undefined {
    return this.accounts.get(Number(id));
  }

  byMobile(mobile: string): SimAccount | undefined {
    for (const account of this.accounts.values()) if (account.mobile === mobile) return account;
    return undefined;
  }

  /** The account with this email: emails are unique on the platform, like mobiles (login names both). */
  byEmail(email: string): SimAccount | undefined {
    for (const account of this.accounts.values()) if (account.email === email) return account;
    return undefined;
  }

  clear(): void {
    this.accounts.clear();
  }

  toJSON(): { accounts: SimAccount[] } {
    return { accounts: [...this.accounts.values()] };
  }
}
