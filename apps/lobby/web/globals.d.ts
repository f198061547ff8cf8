/** The package's version, put in by the bundler (apps/lobby/build.mjs). */
declare const __VERSION__: string;
