/** Text made safe to put in HTML or SVG: the characters markup gives a meaning to, as entities. */
export const escapeMarkup = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
