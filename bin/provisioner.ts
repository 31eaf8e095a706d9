#!/usr/bin/env node
import { processEnvironment } from '../shared/config.ts';
import { runCli } from '../cli/main.ts';
import { processOutput } from '../cli/output.ts';

process.exitCode = await runCli(process.argv.slice(2), processEnvironment(), processOutput);
