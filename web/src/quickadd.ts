/**
 * Quick add in the browser: the parser is the server's own (src/nlp/quick-add.ts, also behind the
 * MCP `add_tasks` tool), loaded on first use with its date library so that neither is part of the
 * first screen's JavaScript. Phrases are read in the browser's zone, the zone this app shows every
 * date in (the server reads MCP phrases in the preference zone, which new accounts adopt from the
 * browser), so the preview says what was typed: "9am" is shown as 09:00.
 */
import { retryingImport } from './lazy-import';
import { browserZone, getState } from './store';
import type { QuickParse } from '../../src/nlp/quick-add';

export type { QuickParse };

type Parser = typeof import('../../src/nlp/quick-add');
/** Start loading the parser (call on focus, so it is ready when the user presses Enter); a failed load is tried again. */
export const loadParser: () => Promise<Parser> = retryingImport(() => import('../../src/nlp/quick-add'));

export async function parseQuickAdd(input: string, now = new Date()): Promise<QuickParse> {
  const { parseQuickAdd: parse } = await loadParser();
  return parse(input, { now, timeZone: browserZone(), weekStart: getState().weekStart });
}
