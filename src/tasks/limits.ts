/**
 * The sizes a task's fields may have: in their own module (no schema library), so the web app
 * counts against the same numbers the API's schema enforces.
 */
export const LIMITS = {
  titleMax: 200,
  descriptionMax: 4000,
  tagsMax: 20,
  tagMax: 50,
  remindersMax: 10,
  recurrenceMax: 500,
  reminderBeforeMaxMinutes: 60 * 24 * 365,
} as const;
