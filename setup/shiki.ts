/**
 * Code colours for the deck's code blocks and its editor: VS Code's light theme, whose every
 * colour (comments too) reads at 4.5:1 or better on the deck's code background. The deck is
 * light only; the dark theme is named because Slidev wants one.
 */
import { defineShikiSetup } from '@slidev/types';

export default defineShikiSetup(() => ({
  themes: { light: 'light-plus', dark: 'dark-plus' },
}));
