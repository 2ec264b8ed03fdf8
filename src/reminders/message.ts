/** The notification text of the seed: "Task Due Soon" / "Your task 'Buy Milk' is due in 15 minutes." */
function span(minutes: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return unit(minutes, 'minute');
  if (minutes < 60 * 48 && minutes % 60 !== 0 && minutes < 180)
    return `${unit(Math.floor(minutes / 60), 'hour')} ${unit(minutes % 60, 'minute')}`;
  if (minutes < 60 * 48) return unit(Math.round(minutes / 60), 'hour');
  return unit(Math.round(minutes / 1440), 'day');
}

export function reminderText(taskTitle: string, due: Date | null, at: Date): { title: string; body: string } {
  if (!due) return { title: 'Task Reminder', body: `Reminder: your task '${taskTitle}'.` };
  const minutes = Math.round((due.getTime() - at.getTime()) / 60_000);
  if (minutes > 0) return { title: 'Task Due Soon', body: `Your task '${taskTitle}' is due in ${span(minutes)}.` };
  if (minutes === 0) return { title: 'Task Due Now', body: `Your task '${taskTitle}' is due now.` };
  return { title: 'Task Overdue', body: `Your task '${taskTitle}' was due ${span(-minutes)} ago.` };
}
