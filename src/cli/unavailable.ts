/**
 * Stands in for a workshop command whose part is still being built, so every command the
 * README names answers with what it will do and where that work is tracked, instead of an error.
 */
const [command, issue] = process.argv.slice(2);
const purpose: Record<string, string> = {
  slides: 'presents the slide deck in the browser',
};
process.stderr.write(`npm run ${command} (${purpose[command!] ?? 'this command'}) is not available yet: it is being built under issue ${issue}.\n`);
process.exit(1);
