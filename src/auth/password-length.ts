/** The shortest password accepted: its own module (no password library), so the web app's hint says the same number. */
export const MIN_PASSWORD_LENGTH = 12;
