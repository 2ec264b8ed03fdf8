/**
 * The MCP server of one request (stateless Streamable HTTP): the official SDK's low-level
 * `Server`, because the tools' input schemas are JSON Schema generated from our TypeBox schemas
 * (the high-level McpServer wants zod), validated here with Ajv as strictly as a REST body.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { isWellFormed, WELL_FORMED } from '../tasks/model.js';
import { TOOLS, ToolError, type Caller, type ToolDef } from './tools.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const VERSION = '1.0.0';

const ajv = addFormats(new Ajv({ coerceTypes: false, useDefaults: true, allErrors: true, strict: false })).addFormat(WELL_FORMED, {
  type: 'string',
  validate: isWellFormed,
});
/** compiled once per process: a tool's schema never changes */
const validators = new Map<string, ValidateFunction>(TOOLS.map((t) => [t.name, ajv.compile(JSON.parse(JSON.stringify(t.input)))]));

/** The tool list as clients see it: plain JSON Schema (TypeBox's symbols dropped) with its annotations. */
const LISTED = TOOLS.map((t) => ({
  name: t.name,
  title: t.title,
  description: t.description,
  inputSchema: JSON.parse(JSON.stringify(t.input)) as { type: 'object'; [k: string]: unknown },
  annotations: { title: t.title, ...t.annotations },
}));

function fieldErrors(validate: ValidateFunction): FieldError[] {
  return (validate.errors ?? []).map((e) => {
    let field = e.instancePath.replace(/^\//, '');
    if (e.keyword === 'required') field = [field, String(e.params.missingProperty)].filter(Boolean).join('/');
    if (e.keyword === 'additionalProperties') field = [field, String(e.params.additionalProperty)].filter(Boolean).join('/');
    return {
      field: field || '(arguments)',
      message: e.keyword === 'additionalProperties' ? 'is not a known field' : (e.message ?? 'is invalid'),
    };
  });
}

const result = (payload: Record<string, unknown>, isError = false): CallToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(payload) }],
  structuredContent: payload,
  ...(isError ? { isError: true } : {}),
});

async function call(tool: ToolDef, caller: Caller, args: unknown): Promise<CallToolResult> {
  if (caller.token && !caller.token.scopes.includes(tool.scope))
    return result({ error: `this access token lacks the ${tool.scope} scope that ${tool.name} needs`, status: 403 }, true);
  const input = structuredClone(args ?? {});
  const validate = validators.get(tool.name)!;
  if (!validate(input)) {
    const errors = fieldErrors(validate);
    return result({ error: 'invalid arguments', status: 422, errors }, true);
  }
  try {
    const out = await tool.run(caller, input);
    return result(out, typeof out.failed === 'number' && out.failed > 0);
  } catch (err) {
    // the model reads these and can correct its call (MCP: tool errors are results, not protocol errors)
    if (err instanceof ValidationError) return result({ error: 'invalid arguments', status: 422, errors: err.errors }, true);
    if (err instanceof ToolError) return result({ error: err.message, ...(err.details as object) }, true);
    if (err instanceof NotFoundError) return result({ error: err.message, status: 404 }, true);
    if (err instanceof ConflictError) return result({ error: err.message, status: 409 }, true);
    throw err;
  }
}

export function createMcpServer(caller: Caller): Server {
  const server = new Server(
    { name: 'taskstream', title: 'Taskstream', version: VERSION },
    { capabilities: { tools: { listChanged: false } } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: LISTED }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = TOOLS.find((t) => t.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `unknown tool ${request.params.name}`);
    return call(tool, caller, request.params.arguments);
  });
  return server;
}
