-- Run by tests/editor.rs inside a headless Neovim that opened a policy with
-- editors/neovim/edict.lua as its configuration: waits for the server's
-- diagnostics, asks for a hover and a formatting through Neovim's own LSP
-- client, and writes what it saw as JSON to $EDICT_NVIM_OUT. Any failure is
-- written there too, so the Rust test shows it.
local out = os.getenv("EDICT_NVIM_OUT")
local seen = { diagnostics = {}, hover = nil, formatted = nil, errors = {} }

local function finish()
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(seen))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  seen.filetype = vim.bo[buf].filetype
  if not vim.wait(15000, function() return #vim.lsp.buf_get_clients(buf) > 0 end, 50) then
    error("no language client attached to the buffer")
  end
  if not vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
    error("no diagnostics arrived")
  end
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(seen.diagnostics, {
      line = d.lnum, col = d.col, severity = d.severity, code = d.code, message = d.message,
    })
  end
  -- hover on the first `partner`, in the declaration on line 2
  local line = vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1]
  local col = assert(line:find("partner"), "line 2 has `partner`") - 1
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    position = { line = 1, character = col },
  }
  local answers = vim.lsp.buf_request_sync(buf, "textDocument/hover", params, 10000)
  for _, a in pairs(answers or {}) do
    if a.result then seen.hover = a.result.contents.value end
    if a.error then table.insert(seen.errors, "hover: " .. a.error.message) end
  end
  -- format the buffer as the editor does it: request, then apply the edits
  local fparams = vim.lsp.util.make_formatting_params({})
  local formatted = vim.lsp.buf_request_sync(buf, "textDocument/formatting", fparams, 10000)
  for id, a in pairs(formatted or {}) do
    if a.error then table.insert(seen.errors, "formatting: " .. a.error.message) end
    if a.result then
      local client = vim.lsp.get_client_by_id(id)
      vim.lsp.util.apply_text_edits(a.result, buf, client.offset_encoding or "utf-16")
    end
  end
  seen.formatted = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
end)
if not ok then table.insert(seen.errors, tostring(err)) end
finish()
