/*
 * How the provisioning queue drives the handler, shared by the deployed event source mapping
 * (`infra/provisioner-stack.ts`) and the local poller that stands in for it (`local/poller.ts`), so the
 * two cannot drift apart.
 */

/**
 * Handler invocations the queue may drive at once (the event source's `maxConcurrency`; Lambda accepts
 * 2-1000). Two keeps each tenant's requests flowing while another invocation is busy; rate budgets are
 * fleet-wide (`shared/ledger/rate-budget-store.ts`), so no setting derives from it.
 */
export const DEFAULT_MAX_CONCURRENCY = 2;
