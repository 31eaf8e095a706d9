import type { Credentials, LifecycleResult, Platform } from '../ports/platform.ts';
import type {
  ConnectedPlatform,
  CreateContext,
  PlatformModule,
  Profile,
  UpdateContext,
} from '../ports/platform-module.ts';
import type * as z from '../zod.ts';

/** What a platform folder maps a request profile to, for its own typed client. */
export interface PlatformMapping<TCreateProfile, TUpdateProfile, TCreate, TUpdate> {
  readonly profiles: {
    readonly create: z.ZodMiniType<TCreateProfile>;
    readonly update: z.ZodMiniType<TUpdateProfile>;
  };
  /** The create input, and the natural key it makes. */
  create(
    profile: TCreateProfile,
    context: CreateContext,
  ): { readonly input: TCreate; readonly naturalKey: string };
  /** The update input; `changes` absent when the platform has nothing to change. */
  update(
    profile: TUpdateProfile | undefined,
    context: UpdateContext,
  ): {
    readonly changes?: TUpdate | undefined;
    readonly changed: readonly string[];
    readonly naturalKey?: string | undefined;
    readonly credentials?: Credentials | undefined;
  };
}

/**
 * Joins a typed client and its mapping into the untyped {@link ConnectedPlatform} the use cases see. The
 * profile was validated against the same schema when the request was parsed; parsing it again here gives
 * the platform folder its own types without a cast.
 */
export function connectPlatform<TCreateProfile, TUpdateProfile, TCreate, TUpdate>(
  module: Pick<PlatformModule, 'name' | 'naturalKey' | 'expiryRequired'>,
  client: Platform<TCreate, TUpdate>,
  mapping: PlatformMapping<TCreateProfile, TUpdateProfile, TCreate, TUpdate>,
): ConnectedPlatform {
  return {
    name: module.name,
    naturalKey: module.naturalKey,
    expiryRequired: module.expiryRequired,
    supports: client.supports,
    planCreate(profile: Profile, context: CreateContext) {
      const { input, naturalKey } = mapping.create(mapping.profiles.create.parse(profile), context);
      return {
        naturalKey,
        create: () => client.create(input),
        findExisting: () => client.findExisting(input),
      };
    },
    planUpdate(profile: Profile | undefined, context: UpdateContext) {
      const typed = profile === undefined ? undefined : mapping.profiles.update.parse(profile);
      const { changes, ...plan } = mapping.update(typed, context);
      if (changes === undefined) return plan;
      return { ...plan, apply: (id: string): Promise<LifecycleResult> => client.update(id, changes) };
    },
    findByNaturalKey: (naturalKey) => client.findByNaturalKey(naturalKey),
    get: (id) => client.get(id),
    list: (options) => client.list(options),
    suspend: (id) => client.suspend(id),
    resume: (id) => client.resume(id),
    close: (id) => client.close(id),
    masterAccountInfo: () => client.masterAccountInfo(),
  };
}
