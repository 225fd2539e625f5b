-- wrk script for tender's benchmark: one file, the scenario chosen by the first argument.
--
--   wrk -t1 -c64 -d5s -s bench/lua/tender.lua http://127.0.0.1:PORT -- SCENARIO KEY IDS_FILE SEED
--
-- SCENARIO: ceiling | create | confirm | retrieve | list | search | mix
-- KEY:      tender secret key (sent as a Bearer token)
-- IDS_FILE: PaymentIntent ids of the seeded set, one a line (retrieve and mix pick at random)
-- SEED:     random seed (each wrk thread adds its own number)
--
-- done() prints one line `BENCH_RESULT {json}` with the counts and latency percentiles (µs).

local scenario, key, ids_file
local ids = {}
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local auth = {}

local CREATE_BODY = "amount=2000&currency=usd&payment_method_types%5B%5D=card"
local CONFIRM_BODY = CREATE_BODY .. "&confirm=true&payment_method=pm_card_visa"
local SEARCH_PATH = "/v1/payment_intents/search?query=status%3A%22succeeded%22"
local LIST_PATH = "/v1/payment_intents?limit=10"

local thread_counter = 0
function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_number", thread_counter)
end

function init(args)
  scenario = args[1] or "ceiling"
  key = args[2] or ""
  ids_file = args[3]
  local seed = tonumber(args[4] or "1") + (thread_number or 0) * 7919
  math.randomseed(seed)
  auth = { ["Authorization"] = "Bearer " .. key }
  form["Authorization"] = "Bearer " .. key
  if ids_file and ids_file ~= "" and ids_file ~= "-" then
    for line in io.lines(ids_file) do
      if #line > 0 then ids[#ids + 1] = line end
    end
  end
  if (scenario == "retrieve" or scenario == "mix") and #ids == 0 then
    error("scenario " .. scenario .. " needs an ids file")
  end
end

local function retrieve()
  return wrk.format("GET", "/v1/payment_intents/" .. ids[math.random(#ids)], auth)
end
local function create()
  return wrk.format("POST", "/v1/payment_intents", form, CREATE_BODY)
end
local function confirm()
  return wrk.format("POST", "/v1/payment_intents", form, CONFIRM_BODY)
end
local function list()
  return wrk.format("GET", LIST_PATH, auth)
end
local function search()
  return wrk.format("GET", SEARCH_PATH, auth)
end

-- The realistic mix: 40% retrieve, 25% create, 25% confirm (create+confirm of a fresh
-- intent in one request), 10% list.
local function mix()
  local r = math.random()
  if r < 0.40 then return retrieve()
  elseif r < 0.65 then return create()
  elseif r < 0.90 then return confirm()
  else return list() end
end

local ceiling_request = nil
local handlers = {
  create = create, confirm = confirm, retrieve = retrieve, list = list, search = search, mix = mix,
}

function request()
  if scenario == "ceiling" then
    if ceiling_request == nil then ceiling_request = wrk.format("GET", "/", auth) end
    return ceiling_request
  end
  return handlers[scenario]()
end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"bytes":%d', summary.bytes),
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}',
      latency.min, latency.mean, latency.max, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)),
  }
  io.write("BENCH_RESULT {" .. table.concat(parts, ",") .. "}\n")
end
