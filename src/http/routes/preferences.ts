/** The user's preferences: default time zone, first day of the week, display name. */
import { Type } from '@sinclair/typebox';
import { ValidationError } from '../../errors.js';
import { isValidTimeZone } from '../../recurrence/index.js';
import { signedInRoutes, userOf } from '../auth.js';
import { UserParams } from '../params.js';
import { problems } from '../problems.js';
import { TEXT_RULES } from '../../tasks/model.js';
import { readName, writeName } from '../../preferences/store.js';

const PrefFields = {
  timezone: Type.String({
    minLength: 1,
    maxLength: 64,
    ...TEXT_RULES,
    description: 'IANA zone: the default of new tasks and the zone of view=today|upcoming',
  }),
  week_start: Type.Union([Type.Literal('monday'), Type.Literal('sunday')], { description: 'first day of the week (default monday)' }),
};
const Name = Type.String({ minLength: 1, maxLength: 100, ...TEXT_RULES, description: 'display name (of the account)' });
const Prefs = Type.Object({ ...PrefFields, name: Type.Union([Name, Type.Null()]) }, { additionalProperties: false });
/** PUT: absent fields unchanged */
const PrefsUpdate = Type.Object(
  {
    timezone: Type.Optional(PrefFields.timezone),
    week_start: Type.Optional(PrefFields.week_start),
    name: Type.Optional(Name),
  },
  { additionalProperties: false, minProperties: 1 },
);
const errors = problems(401, 403, 404, 422);
const bodyErrors = problems(400, 401, 403, 404, 413, 415, 422);

export const preferencesRoutes = signedInRoutes(async (app, s) => {
  app.get(
    '/api/:user_id/preferences',
    { schema: { tags: ['preferences'], summary: 'Get preferences', params: UserParams, response: { 200: Prefs, ...errors } } },
    async (req) => {
      const [prefs, name] = await Promise.all([s.preferences.get(userOf(req)), readName(s.db, userOf(req))]);
      return { ...prefs, name };
    },
  );

  app.put(
    '/api/:user_id/preferences',
    {
      config: { tokenScope: 'none' }, // account settings take a login, not a personal access token
      schema: {
        tags: ['preferences'],
        summary: 'Set preferences (absent fields unchanged): time zone, week start, display name',
        params: UserParams,
        body: PrefsUpdate,
        response: { 200: Prefs, ...bodyErrors },
      },
    },
    async (req) => {
      const userId = userOf(req);
      const { timezone, week_start, name } = req.body;
      if (timezone !== undefined && !isValidTimeZone(timezone))
        throw new ValidationError([{ field: 'timezone', message: `unknown time zone "${timezone}"` }]);
      const trimmed = name?.trim();
      if (trimmed === '') throw new ValidationError([{ field: 'name', message: 'must not be blank' }]);
      const current = await s.preferences.get(userId);
      const prefs =
        timezone !== undefined || week_start !== undefined
          ? await s.preferences.set(userId, { timezone: timezone ?? current.timezone, week_start: week_start ?? current.week_start })
          : current;
      if (trimmed !== undefined) await writeName(s.db, userId, trimmed);
      return { ...prefs, name: trimmed ?? (await readName(s.db, userId)) };
    },
  );
});
