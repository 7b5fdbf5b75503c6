-- Neovim (>= 0.7, built-in LSP client) against `lockorder lsp --stdio`.
-- env: E2E_FILE (C file to open), E2E_ROOT, E2E_CMD (server command, space-separated),
--      E2E_HOVER_LINE / E2E_HOVER_COL (1-based position to hover), E2E_EXPECT_HOVER (text), E2E_TIMEOUT_MS
-- prints DIAG / HOVER / HOVER-FLOAT lines and RESULT ok|FAIL; exits 0 on success, 1 otherwise.
local file = assert(os.getenv('E2E_FILE'), 'E2E_FILE')
local root = os.getenv('E2E_ROOT') or vim.fn.fnamemodify(file, ':p:h')
local cmd = vim.split(assert(os.getenv('E2E_CMD'), 'E2E_CMD'), ' ', { trimempty = true })
local timeout = tonumber(os.getenv('E2E_TIMEOUT_MS') or '20000')
local hline = tonumber(os.getenv('E2E_HOVER_LINE') or '1')
local hcol = tonumber(os.getenv('E2E_HOVER_COL') or '1')
local expect = os.getenv('E2E_EXPECT_HOVER') or ''
local t0 = vim.loop.hrtime()
local function ms() return math.floor((vim.loop.hrtime() - t0) / 1e6) end
local function out(s) io.stdout:write(s .. '\n') end

local client_id
local ok, err = pcall(function()
  client_id = vim.lsp.start_client({
    name = 'lockorder',
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = 'ws' } },
    on_exit = function(code, signal) out(('server exited code=%s signal=%s'):format(code, signal)) end,
  })
  assert(client_id, 'start_client failed')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  out(('buffer %d filetype=%s'):format(bufnr, vim.bo[bufnr].filetype))
  assert(vim.lsp.buf_attach_client(bufnr, client_id), 'buf_attach_client failed')
  if not vim.wait(timeout, function() return #vim.diagnostic.get(bufnr) > 0 end, 20) then
    error('no diagnostics after ' .. timeout .. ' ms')
  end
  out(('DIAGNOSTICS-AFTER %d ms'):format(ms()))
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    out(('DIAG %d:%d severity=%d source=%s code=%s message=%s'):format(d.lnum + 1, d.col + 1, d.severity, tostring(d.source),
      tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)), d.message:gsub('\n', ' ')))
  end
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr), position = { line = hline - 1, character = hcol - 1 } }
  local res, rerr = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, timeout)
  assert(res, 'hover request failed: ' .. tostring(rerr))
  local r = res[client_id] and res[client_id].result
  assert(r and r.contents, 'empty hover result: ' .. vim.inspect(res))
  local text = type(r.contents) == 'table' and (r.contents.value or vim.inspect(r.contents)) or tostring(r.contents)
  out('HOVER ' .. text:gsub('\n', ' | '))
  assert(text:find(expect, 1, true), 'hover text lacks ' .. expect)
  -- the UI path: vim.lsp.buf.hover() opens a floating window
  vim.api.nvim_win_set_cursor(0, { hline, hcol - 1 })
  vim.lsp.buf.hover()
  local float_text
  vim.wait(timeout, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        float_text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), ' | ')
        return true
      end
    end
  end, 20)
  assert(float_text, 'no hover float window')
  out('HOVER-FLOAT ' .. float_text)
end)

if client_id then
  vim.lsp.stop_client(client_id)
  vim.wait(3000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
end
if ok then
  out(('RESULT ok total=%d ms'):format(ms()))
  vim.cmd('qall!')
else
  out('RESULT FAIL: ' .. tostring(err))
  vim.cmd('cquit 1')
end
