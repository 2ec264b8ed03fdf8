/**
 * The MCP endpoint for AI assistants: its URL and a configuration for a few clients,
 * with the token just created filled in (until its panel is closed), else a placeholder.
 */
import { useState } from 'preact/hooks';
import { CodeBlock, CopyField } from './Copy';

type Client = 'claude-desktop' | 'claude-code' | 'vscode';
const CLIENTS: { id: Client; label: string }[] = [
  { id: 'claude-desktop', label: 'Claude Desktop' },
  { id: 'claude-code', label: 'Claude Code' },
  { id: 'vscode', label: 'VS Code' },
];

export function snippet(client: Client, url: string, token: string): { label: string; code: string } {
  const bearer = `Bearer ${token}`;
  if (client === 'claude-code')
    return { label: 'Terminal', code: `claude mcp add --transport http taskstream ${url} --header "Authorization: ${bearer}"` };
  if (client === 'vscode')
    return {
      label: '.vscode/mcp.json',
      code: JSON.stringify({ servers: { taskstream: { type: 'http', url, headers: { Authorization: bearer } } } }, null, 2),
    };
  // Claude Desktop speaks stdio: mcp-remote bridges to Streamable HTTP (no spaces in args: some clients split them);
  // over plain http to a host other than localhost it needs --allow-http
  const insecure = url.startsWith('http:') && !/^http:\/\/(localhost|127\.)/.test(url);
  const args = ['-y', 'mcp-remote', url, '--header', 'Authorization:${AUTH_HEADER}', ...(insecure ? ['--allow-http'] : [])];
  return {
    label: 'claude_desktop_config.json',
    code: JSON.stringify({ mcpServers: { taskstream: { command: 'npx', args, env: { AUTH_HEADER: bearer } } } }, null, 2),
  };
}

export function Mcp({ token }: { token: string | null }) {
  const [client, setClient] = useState<Client>('claude-desktop');
  const url = `${location.origin}/mcp`;
  const { label, code } = snippet(client, url, token ?? 'tsk_…');
  return (
    <section class="card integration" aria-labelledby="mcp-heading">
      <h2 id="mcp-heading">AI assistants (MCP)</h2>
      <p class="hint">
        Assistants that speak the Model Context Protocol can find, add, update and complete your tasks and get an overview. They sign in
        with an access token: <em>Read tasks</em> alone lets them look, <em>Change tasks</em> lets them act.
      </p>
      <CopyField id="mcp-url" label="MCP endpoint" value={url} hint="Streamable HTTP; send the token as Authorization: Bearer tsk_…" />
      <fieldset class="field">
        <legend>Configuration for</legend>
        <div class="segmented">
          {CLIENTS.map((c) => (
            <label key={c.id} class={client === c.id ? 'on' : ''}>
              <input type="radio" name="mcp-client" value={c.id} checked={client === c.id} onChange={() => setClient(c.id)} />
              {c.label}
            </label>
          ))}
        </div>
      </fieldset>
      <CodeBlock id="mcp-snippet" label={label} code={code} />
      <p class="hint" role="status">
        {token
          ? 'It carries the token you just created: keep this configuration private.'
          : 'Create an access token above, then put it where the snippet says tsk_….'}
      </p>
    </section>
  );
}
