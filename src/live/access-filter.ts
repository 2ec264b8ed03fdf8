/**
 * What one user's stream still shows. A message reaches the streams of its audience,
 * the users who could see the task when its event happened; removing a member takes effect at
 * once: the project message that removed them names them in `revoked`, and from then on this
 * stream drops the project's messages — also those of changes made before the removal that are
 * still on their way — until a later project message has them in its audience again (re-added).
 */
import type { LiveMessage } from './hub.js';

export class AccessFilter {
  private readonly revoked = new Set<number>();

  constructor(private readonly userId: string) {}

  /** Whether the stream shows this message (and what it learns from it). */
  pass(m: LiveMessage): boolean {
    if (m.project_id === undefined || m.kind === 'notification') return true;
    if (m.kind === 'project') {
      if (m.revoked?.includes(this.userId)) {
        this.revoked.add(m.project_id);
        return true; // the client hears that it lost the project
      }
      if (m.audience?.includes(this.userId)) this.revoked.delete(m.project_id);
    }
    return !this.revoked.has(m.project_id);
  }
}
