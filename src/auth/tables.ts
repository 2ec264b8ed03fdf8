/** Row types of the session tables (migration 0009), merged into the Database interface of db/types.ts. */
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface RefreshTokensTable {
  /** SHA-256 of the token's secret */
  token_hash: Buffer;
  family_id: string;
  user_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  expires_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface StreamTicketsTable {
  ticket_hash: Buffer;
  user_id: string;
  expires_at: Timestamp;
}

export interface LoginThrottleTable {
  key: string;
  attempts: number;
  window_start: Timestamp;
  blocked_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

declare module '../db/types.js' {
  interface Database {
    refresh_tokens: RefreshTokensTable;
    stream_tickets: StreamTicketsTable;
    login_throttle: LoginThrottleTable;
  }
}
