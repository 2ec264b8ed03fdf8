/** A personal access token as the API shows it, and what it may do; the web app reads these too (this module imports nothing). */
export const SCOPES = ['tasks:read', 'tasks:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface AccessToken {
  id: string;
  name: string;
  scopes: Scope[];
  /** the secret's last 4 characters */
  hint: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}
