#!/usr/bin/env node
import { runCli } from '../cli/main.ts';
import { processOutput } from '../cli/output.ts';
import { processEnvironment } from '../shared/config.ts';

process.exitCode = await runCli(process.argv.slice(2), processEnvironment(), processOutput);
