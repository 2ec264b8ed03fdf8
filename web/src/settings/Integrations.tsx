/**
 * Settings → Integrations (`#/settings/integrations`): calendar feeds, personal access tokens, the
 * MCP endpoint for AI assistants and webhooks, everything the API offers to connect other tools.
 */
import { useState } from 'preact/hooks';
import { AccessTokens } from './AccessTokens';
import { CalendarFeeds } from './CalendarFeeds';
import { Mcp } from './Mcp';
import { Webhooks } from './Webhooks';
import './integrations.css';

export function Integrations() {
  // the token just created, for the MCP snippet (forgotten when its panel is closed)
  const [fresh, setFresh] = useState<string | null>(null);
  return (
    <div class="integrations">
      <CalendarFeeds />
      <AccessTokens onCreated={setFresh} />
      <Mcp token={fresh} />
      <Webhooks />
    </div>
  );
}
