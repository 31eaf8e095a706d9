/**
 * The request side of the eight `new_sub` endpoints as the simulator enforces them: which fields exist,
 * which are required, and their formats. Written from the vendor document, independently of the client.
 */

/** How a field's value must look. */
type Kind = 'int' | 'id' | 'string' | 'datetime' | 'mobile' | 'email' | 'password';

interface FieldSpec {
  readonly kind: Kind;
  readonly required: boolean;
  /** Allowed values of an int field. */
  readonly oneOf?: readonly number[];
  /** Smallest allowed value of an int field. */
  readonly min?: number;
}

const req = (kind: Kind, extra: Partial<FieldSpec> = {}): FieldSpec => ({ kind, required: true, ...extra });
const opt = (kind: Kind, extra: Partial<FieldSpec> = {}): FieldSpec => ({ kind, required: false, ...extra });
const count = opt('int', { min: 0 });
const onOff = opt('int', { oneOf: [0, 1] });

/** Fields every endpoint takes (the general open-API rule, even where a table forgot them). */
const COMMON: Readonly<Record<string, FieldSpec>> = {
  partner_id: req('int'),
  timestamp: req('string'),
  sign: req('string'),
};

/** Each endpoint's own fields. */
export const ENDPOINT_FIELDS = {
  getSubAccountList: {
    status: opt('int', { oneOf: [0, 1, 2] }),
    page: opt('int', { min: 1 }),
    page_size: opt('int', { min: 1 }),
  },
  addSubAccount: {
    mobile: req('mobile'),
    email: req('email'),
    password: req('password'),
    effect_time: req('datetime'),
    expire_time: req('datetime'),
    large_class_user_limit: count,
    large_class_max_user_limit: count,
    business_user_limit: count,
    business_max_user_limit: count,
    large_class_live_max_speakers: count,
    business_live_max_speakers: count,
    large_class_status: onOff,
    small_class_status: onOff,
    business_status: onOff,
    credit_money: count,
    flow: count,
    max_flow: count,
    storage_limit: count,
    max_storage_limit: count,
    company: opt('string'),
    contacts: opt('string'),
    video_status: onOff,
  },
  getAccountInfo: {
    sub_partner_id: req('id'),
  },
  setLiveAccount: {
    sub_partner_id: req('id'),
    product_type: req('int', { oneOf: [1, 2, 4] }),
    user_limit: req('int', { min: 0 }),
    max_user_limit: req('int', { min: 0 }),
    status: onOff,
    live_max_speakers: count,
  },
  setVideoAccount: {
    sub_partner_id: req('id'),
    flow: req('int', { min: 0 }),
    max_flow: req('int', { min: 0 }),
    storage_limit: req('int', { min: 0 }),
    max_storage_limit: req('int', { min: 0 }),
    status: onOff,
  },
  setCreditMoney: {
    sub_partner_id: req('id'),
    credit_money: req('int', { min: 0 }),
  },
  setAccountStatus: {
    sub_partner_id: req('id'),
    status: req('int', { oneOf: [0, 1] }),
  },
  updateSubAccount: {
    sub_partner_id: req('id'),
    mobile: opt('mobile'),
    email: opt('email'),
    password: opt('password'),
    contacts: opt('string'),
    company: opt('string'),
    effect_time: opt('datetime'),
    expire_time: opt('datetime'),
  },
} as const satisfies Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>;

/** One of the eight endpoint names (also the fault operation names). */
export type SimEndpoint = keyof typeof ENDPOINT_FIELDS;

/** True for a path segment that names an endpoint. */
export function isEndpoint(name: string): name is SimEndpoint {
  return Object.hasOwn(ENDPOINT_FIELDS, name);
}

const INT = /^-?\d+$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Whether `text` is a real `yyyy-MM-dd HH:mm:ss` time (no 2021-02-30, no 25:00:00). */
export function isDateTime(text: string): boolean {
  const m = DATETIME.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

function problemWith(name: string, value: string, spec: FieldSpec): string | undefined {
  switch (spec.kind) {
    case 'int':
    case 'id': {
      if (!INT.test(value) || !Number.isSafeInteger(Number(value))) return `${name} 必须是整数`;
      const n = Number(value);
      if (spec.kind === 'id' && n <= 0) return `${name} 无效`;
      if (spec.oneOf && !spec.oneOf.includes(n)) return `${name} 取值无效`;
      if (spec.min !== undefined && n < spec.min) return `${name} 取值无效`;
      return undefined;
    }
    case 'datetime':
      return isDateTime(value) ? undefined : `${name} 格式应为 yyyy-MM-dd HH:mm:ss`;
    case 'mobile':
      return /^1\d{10}$/.test(value) ? undefined : `${name} 手机号格式错误`;
    case 'email':
      return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value) ? undefined : `${name} 邮箱格式错误`;
    case 'password':
      return value.length >= 6 && value.length <= 18 ? undefined : `${name} 密码长度应为6-18位`;
    case 'string':
      return value.length <= 255 ? undefined : `${name} 过长`;
  }
}

/**
 * The first problem with an endpoint's fields (`code 1001` text), or `undefined` when they are all valid.
 * Unknown fields are refused too: a misspelt optional field would otherwise be ignored silently.
 */
export function fieldProblem(endpoint: SimEndpoint, fields: ReadonlyMap<string, string>): string | undefined {
  const specs: Readonly<Record<string, FieldSpec>> = { ...COMMON, ...ENDPOINT_FIELDS[endpoint] };
  for (const name of fields.keys()) if (!Object.hasOwn(specs, name)) return `未知参数 ${name}`;
  for (const [name, spec] of Object.entries(specs)) {
    const value = fields.get(name);
    if (value === undefined) {
      if (spec.required) return `缺少参数 ${name}`;
      continue;
    }
    if (value === '' && (spec.required || spec.kind !== 'string')) return `${name} 不能为空`;
    const problem = problemWith(name, value, spec);
    if (problem) return problem;
  }
  return undefined;
}
