import { CloopenError } from './errors.ts';
import type { CloopenSubAccountPage, CloopenSubAccountRecord } from './wire.ts';

// A runaway guard only: 10 000 pages of 100 is far beyond any master account.
const MAX_PAGES = 10_000;

/** Fetches one `GetSubAccounts` page of `offset` accounts from `startNo` (exactly as asked). */
export type CloopenPageFetcher = (startNo: number, offset: number) => Promise<CloopenSubAccountPage>;

/**
 * Every sub-account `fetchPage` serves (one app's `GetSubAccounts`), each once.
 *
 * Whether `startNo` counts from 0 or 1 is not clear from the docs ("默认从0开始"), so paging starts at
 * 0, advances by what each page served and drops accounts already seen: on a 1-based platform pages
 * then overlap by one instead of skipping one. A platform that refuses or answers nothing at `startNo`
 * 0 while reporting accounts is asked again from 1.
 *
 * `totalCount` is documented only as "子账号的数量": the number of all sub-accounts or of this page's.
 * The stop rule holds for both readings, so `totalCount` alone never ends the walk:
 * - an empty page ends it;
 * - a second page in a row that adds nothing new ends it (one such page is expected with page size 1
 *   on a 1-based platform, where `startNo` 0 and 1 are the same page);
 * - a short page (fewer than asked) ends it, unless `totalCount` claims more than both what was seen
 *   and this page's length: then the server capped the page size and more pages follow;
 * - a full page never ends it, even when `seen >= totalCount` (under the per-page reading that is true
 *   of every full page); the price is one empty page after an exact multiple of the page size.
 */
export async function* allSubAccountRecords(
  fetchPage: CloopenPageFetcher,
  pageSize: number,
): AsyncGenerator<CloopenSubAccountRecord> {
  const seen = new Set<string>();
  let startNo = 0;
  let retriedFromOne = false;
  let previousAdded = true;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    let page: CloopenSubAccountPage;
    try {
      page = await fetchPage(startNo, pageSize);
    } catch (error) {
      const refusedZero =
        startNo === 0 &&
        !retriedFromOne &&
        error instanceof CloopenError &&
        (error.category === 'invalid-request' || error.category === 'unknown');
      if (!refusedZero) throw error;
      retriedFromOne = true;
      startNo = 1;
      continue;
    }
    const served = page.subAccounts.length;
    if (startNo === 0 && !retriedFromOne && served === 0 && (page.totalCount ?? 0) > 0) {
      retriedFromOne = true;
      startNo = 1;
      continue;
    }
    let added = 0;
    for (const record of page.subAccounts) {
      if (seen.has(record.subAccountSid)) continue;
      seen.add(record.subAccountSid);
      added++;
      yield record;
    }
    if (served === 0) return;
    if (added === 0 && !previousAdded) return;
    if (served < pageSize) {
      const total = page.totalCount;
      const capped = total !== undefined && total > seen.size && total > served;
      if (!capped) return;
    }
    previousAdded = added > 0;
    startNo += served;
  }
}
