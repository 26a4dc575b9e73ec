-- bench/api/points.lua — wrk request generator: GET <BASE>lat=<lat>&lon=<lon><SUFFIX>, cycling
-- through the centres of the peers' ~5 km query boxes ($BOXES: "minx miny maxx maxy" a line),
-- so that every scenario is asked at the same points, denser areas more often (each box is
-- centred on a randomly drawn place). Each wrk thread starts at a different offset.
-- env: BOXES (file), BASE (default "/api/places?"), SUFFIX (default "&radius=5000&k=20")
local points = {}
for line in io.lines(os.getenv("BOXES")) do
  local a, b, c, d = line:match("(%S+)%s+(%S+)%s+(%S+)%s+(%S+)")
  if a then
    points[#points + 1] = string.format("lat=%.6f&lon=%.6f", (b + d) / 2, (a + c) / 2)
  end
end
local base = os.getenv("BASE") or "/api/places?"
local suffix = os.getenv("SUFFIX") or "&radius=5000&k=20"
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end
local i = 0
function init(args)
  i = ((tid or 1) - 1) * 97
end
function request()
  i = i % #points + 1
  return wrk.format("GET", base .. points[i] .. suffix)
end
