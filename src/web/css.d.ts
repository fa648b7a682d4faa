/** Stylesheets imported for their effect: esbuild and Vite bundle them beside the script. */
declare module '*.css';
