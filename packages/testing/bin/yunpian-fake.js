#!/usr/bin/env node
// Committed so package managers can link the bin before the first build; the CLI itself is dist/cli.js.
import '../dist/cli.js'
