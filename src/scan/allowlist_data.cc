// Built-in policy tables. Why each group is here is said next to it; the
// allowlist is the policy, the danger table only raises severity and explains.
#include "scan/allowlist_data.h"

namespace picket::scan {

// <module> <name> <uses>  (see allowlist.h)
const std::string_view kBuiltinAllowlist = R"(
# --- Plain Python data (what pickle emits for builtin containers and values)
builtins set call
builtins frozenset call
builtins bytearray call
builtins bytes call
builtins complex call
builtins slice call
builtins range call
builtins list call,new
builtins dict call,new
builtins tuple call,new
builtins int call,new
builtins float call,new
builtins str call,new
builtins bool call
builtins object new
builtins NoneType ref
builtins Ellipsis ref
builtins NotImplemented ref
collections OrderedDict call,new,build,items
collections Counter call,new,build,items
collections defaultdict call,new,items
collections deque call,new,build,items
copyreg _reconstructor call
copyreg __newobj__ call
copyreg __newobj_ex__ call
_codecs encode call
datetime datetime call
datetime date call
datetime time call
datetime timedelta call
datetime timezone call
decimal Decimal call
fractions Fraction call
uuid UUID new,build
pathlib PosixPath call
pathlib WindowsPath call
pathlib PurePosixPath call
pathlib PureWindowsPath call
argparse Namespace new,build
types SimpleNamespace new,build
re _compile call
enum Enum ref

# --- PyTorch (torch.save: zip, legacy and tar formats)
torch._utils _rebuild_tensor call
torch._utils _rebuild_tensor_v2 call
torch._utils _rebuild_tensor_v3 call
torch._utils _rebuild_parameter call
torch._utils _rebuild_parameter_with_state call
torch._utils _rebuild_qtensor call
torch._utils _rebuild_sparse_tensor call
torch._utils _rebuild_sparse_csr_tensor call
torch._utils _rebuild_nested_tensor call
torch._utils _rebuild_meta_tensor_no_storage call
torch._utils _rebuild_wrapper_subclass call
torch._utils _rebuild_device_tensor_from_numpy call
torch._utils _rebuild_device_tensor_from_cpu_tensor call
torch._tensor _rebuild_from_type call
torch._tensor _rebuild_from_type_v2 call
torch.serialization _get_layout call
# torch pickles tensors inside plain pickle.dumps as nested torch.save bytes;
# the nested bytes are scanned like any other file.
torch.storage _load_from_bytes call
torch Tensor ref
torch Size call
torch device call
torch dtype ref
torch.nn.parameter Parameter call,new,build
torch.nn.parameter UninitializedParameter call,new,build
torch.nn.parameter Buffer call,new,build
torch.nn.modules.* * new,build,items
torch.optim.* * new,build
torch.return_types * call
torch * ref
torch.cuda * ref
torch.storage TypedStorage ref
torch.storage UntypedStorage ref
torch.storage _LegacyStorage ref
torch.quantization.* * new,build

# --- NumPy (ndarray.__reduce__, scalars, dtypes, random state, masked arrays)
numpy.core.multiarray _reconstruct call,build
numpy.core.multiarray scalar call
numpy.core.numeric _frombuffer call
numpy._core.multiarray _reconstruct call,build
numpy._core.multiarray scalar call
numpy._core.numeric _frombuffer call
numpy dtype call,new,build
numpy ndarray ref,new,build
numpy.ma.core _mareconstruct call,build
numpy.ma.core MaskedArray ref,build
numpy.random._pickle __randomstate_ctor call,build
numpy.random._pickle __bit_generator_ctor call,build
numpy.random._pickle __generator_ctor call,build
numpy.random.mtrand RandomState ref,build
numpy.random._generator Generator ref,build
numpy.random._mt19937 MT19937 ref,build
numpy.random._pcg64 PCG64 ref,build
numpy.random._philox Philox ref,build
numpy.random._sfc64 SFC64 ref,build
numpy.random.bit_generator __pyx_unpickle_SeedSequence call
numpy.random.bit_generator SeedSequence ref,build
numpy.dtypes * ref
numpy bool_ ref
numpy float16 ref
numpy float32 ref
numpy float64 ref
numpy longdouble ref
numpy int8 ref
numpy int16 ref
numpy int32 ref
numpy int64 ref
numpy uint8 ref
numpy uint16 ref
numpy uint32 ref
numpy uint64 ref
numpy complex64 ref
numpy complex128 ref
numpy str_ ref
numpy bytes_ ref
numpy object_ ref
numpy void ref
numpy datetime64 ref
numpy timedelta64 ref

# --- joblib (array bytes follow the wrapper's BUILD in the stream)
joblib.numpy_pickle NumpyArrayWrapper new,build
sklearn.externals.joblib.numpy_pickle NumpyArrayWrapper new,build

# --- scikit-learn: estimators are rebuilt with __new__ + __setstate__;
# Cython extension types are rebuilt by calling them (their __reduce__).
sklearn.* * new,build,items
sklearn.tree._tree Tree call
sklearn.neighbors._kd_tree KDTree call,new,build
sklearn.neighbors._ball_tree BallTree call,new,build
sklearn.neighbors._kd_tree newObj call
sklearn.neighbors._ball_tree newObj call
sklearn.neighbors._binary_tree newObj call
sklearn._loss._loss * call
sklearn._loss.link * new,build
sklearn.utils._bunch Bunch call,new,build,items
sklearn.ensemble._hist_gradient_boosting.predictor * new,build
sklearn.metrics._dist_metrics * call,new,build
scipy.sparse.* * new,build
scipy.sparse._csr csr_matrix new,build
)";

// <module> <name> <category> <reason...>; module may be `pkg.*`, name `*`.
// Anything matched here is malicious whatever its use.
const std::string_view kBuiltinDangerRules = R"(
builtins eval exec evaluates Python code
builtins exec exec executes Python code
builtins compile exec compiles Python code
builtins execfile exec executes a Python file
builtins apply resolver calls an arbitrary callable
builtins getattr resolver fetches an arbitrary attribute (resolves other callables)
builtins setattr resolver sets arbitrary attributes
builtins delattr resolver deletes arbitrary attributes
builtins __import__ resolver imports an arbitrary module
builtins globals resolver exposes module globals
builtins locals resolver exposes local variables
builtins vars resolver exposes object namespaces
builtins open file opens files
builtins input system reads the terminal
builtins breakpoint debugger starts a debugger
builtins exit system exits the process
builtins quit system exits the process
builtins help system starts the interactive help (runs a pager)
builtins memoryview system exposes raw memory
builtins type resolver creates classes at load time
os * process operating-system interface (processes, files)
nt * process Windows os implementation
posix * process POSIX os implementation
_posixsubprocess * process spawns processes
subprocess * process runs processes
commands * process runs shell commands (Python 2)
pty * process spawns processes on a pseudo-terminal
popen2 * process runs processes (Python 2)
multiprocessing.* * process starts processes
_thread * process starts threads
thread * process starts threads (Python 2)
threading * process starts threads
signal * system changes signal handling
sys * system interpreter state (modules, exit, hooks)
runpy * exec runs Python modules
code * exec interactive interpreter (runs code)
codeop * exec compiles Python code
ctypes.* * exec calls native code
_ctypes * exec calls native code
cffi * exec calls native code
importlib.* * resolver imports arbitrary modules
pkgutil * resolver resolves arbitrary names (resolve_name) and imports
imp * resolver imports arbitrary modules
zipimport * resolver imports code from archives
inspect * resolver fetches arbitrary attributes (getattr_static)
pydoc * resolver resolves names (locate) and runs pagers
operator attrgetter resolver fetches arbitrary attributes
operator itemgetter resolver fetches arbitrary items
operator methodcaller resolver calls arbitrary methods
_operator attrgetter resolver fetches arbitrary attributes
_operator itemgetter resolver fetches arbitrary items
_operator methodcaller resolver calls arbitrary methods
functools partial resolver binds and calls arbitrary callables
functools partialmethod resolver binds arbitrary callables
functools reduce resolver calls arbitrary callables repeatedly
functools singledispatch resolver registers callables
types * exec creates code, functions and modules
marshal * exec loads code objects
pickle * loader unpickles nested data (arbitrary code)
_pickle * loader unpickles nested data (arbitrary code)
cPickle * loader unpickles nested data (arbitrary code)
pickletools * loader pickle tooling
shelve * loader opens pickle databases
dill.* * loader serialises code (functions and code objects)
cloudpickle.* * loader serialises code (functions and code objects)
joblib load loader loads pickles from files
joblib.numpy_pickle load loader loads pickles from files
bdb * debugger debugger (runs code)
pdb * debugger debugger (runs code)
cProfile * exec profiler (runs code strings)
profile * exec profiler (runs code strings)
timeit * exec runs code strings
trace * exec tracer (runs code strings)
doctest * exec runs doctests (code strings)
idlelib.* * exec IDLE internals (eval/exec gadgets)
lib2to3.* * exec eval and pickle gadgets
test.* * exec CPython test helpers (run processes and code)
unittest.* * exec test runner (imports and runs code)
pip.* * process installs packages (runs code)
ensurepip.* * process installs packages (runs code)
venv.* * process creates environments (runs processes)
distutils.* * process build tooling (files, processes)
setuptools.* * process build tooling (files, processes)
_osx_support * process runs commands
_aix_support * process runs commands
_bootsubprocess * process runs commands
_winapi * process creates processes (CreateProcess)
_posixshmem * system shared memory
pipes * process runs shell pipelines
mailcap * process runs mailcap test and view commands
platform _syscmd_file process runs the file command
platform _syscmd_ver process runs the ver command
platform architecture process runs the file command on a path
platform popen process runs commands (Python 2)
site * exec executes .pth import lines and site hooks
tkinter.* * exec Tcl interpreter (Tcl exec runs commands)
_tkinter * exec Tcl interpreter (Tcl exec runs commands)
concurrent.* * process starts worker processes and threads
pkg_resources.* * resolver loads entry points (imports and calls)
importlib_metadata.* * resolver loads entry points (imports and calls)
IPython.* * exec interactive shell (runs code and commands)
yaml * loader unsafe YAML loading constructs arbitrary objects
jsonpickle.* * loader decodes arbitrary objects (imports and calls)
operator call resolver calls an arbitrary callable
_operator call resolver calls an arbitrary callable
_pyrepl.* * process REPL internals (pagers, processes)
_interpreters * exec runs code in subinterpreters
_xxsubinterpreters * exec runs code in subinterpreters
uuid _get_command_stdout process runs commands
uuid _popen process runs commands
imaplib IMAP4_stream process runs commands
imaplib * network IMAP client
asyncio.* * process event loop (subprocesses, sockets)
shutil * file copies, moves and deletes files
tempfile * file creates files
glob * file lists files
io * file opens files (FileIO, open)
_io * file opens files (FileIO, open)
codecs open file opens files
fileinput * file reads files
linecache * file reads files
tarfile * file extracts archives
zipfile * file extracts archives
logging.* * file writes log files and sockets
sqlite3.* * file opens databases
dbm.* * file opens databases
mmap * file maps files
socket * network opens sockets
_socket * network opens sockets
ssl * network opens TLS connections
select * network waits on sockets
selectors * network waits on sockets
socketserver * network starts servers
SocketServer * network starts servers (Python 2)
http.* * network HTTP clients and servers
httplib * network HTTP client (Python 2)
BaseHTTPServer * network HTTP server (Python 2)
SimpleHTTPServer * network HTTP server (Python 2)
CGIHTTPServer * network HTTP server (Python 2)
urllib.* * network fetches URLs
urllib * network fetches URLs (Python 2)
urllib2 * network fetches URLs (Python 2)
ftplib * network FTP client
smtplib * network SMTP client
smtpd * network SMTP server
telnetlib * network telnet client
poplib * network POP client
nntplib * network NNTP client
xmlrpc.* * network XML-RPC client and server
xmlrpclib * network XML-RPC client (Python 2)
webbrowser * process opens a browser (runs commands)
requests.* * network fetches URLs
aiohttp.* * network fetches URLs
httpx.* * network fetches URLs
urllib3.* * network fetches URLs
paramiko.* * network SSH client
numpy.f2py.* * exec eval gadgets (crackfortran)
numpy.distutils.* * process build tooling (exec_command runs commands)
numpy._pyinstaller.* * process test hooks (run processes)
numpy.testing.* * exec runs code strings
numpy load file loads files (and pickles)
numpy loadtxt file reads files
numpy genfromtxt file reads files
numpy fromfile file reads files
numpy memmap file maps files
numpy save file writes files
numpy savez file writes files
numpy savetxt file writes files
numpy.lib.npyio * file reads and writes files
numpy.lib.format * file reads and writes files
numpy.ctypeslib * exec loads native libraries
pandas.* read_pickle loader unpickles files
pandas.* read_csv network reads files and URLs
pandas.* read_json network reads files and URLs
pandas.* read_html network reads files and URLs
pandas.* read_sql network queries databases
pandas.io.* * file reads and writes files
torch load loader torch.load (nested unpickling)
torch.serialization load loader torch.load (nested unpickling)
torch.hub.* * network downloads and runs code
torch._inductor.* * exec compiler internals (run commands)
torch._dynamo.* * exec compiler internals (evaluate guards)
torch.jit.* * exec TorchScript (compiles and runs code)
torch.fx.* * exec graph code generation (evaluates code)
torch.utils.collect_env * process runs commands
torch.utils.bottleneck.* * exec profiler (runs code)
torch.utils._config_module * loader loads pickled config
torch.utils.data.datapipes.* * loader decoders (unpickle data)
torch.utils.cpp_extension * process builds and loads native code
torch.utils.benchmark.* * exec benchmark timers (compile and run code, valgrind)
torch.backends.xeon.* * process CPU launcher (runs commands)
torch.cuda._memory_viz * process runs commands
torch.testing.* * exec test helpers (run processes and code)
torch.onnx.* * exec exporter and verification (runs models and processes)
joblib.externals.loky.* * process process pool (spawns workers)
joblib.externals.cloudpickle.* * loader serialises code (functions and code objects)
sklearn._build_utils.* * process build helpers (compile and run code)
torch.package.* * exec imports code from packages
torch.distributed.* * network distributed runtime (sockets, processes)
torch.ops * resolver resolves arbitrary operators
torch.classes * resolver resolves arbitrary classes
mlflow.* * process ML tooling (runs entry points)
sklearn.datasets.* * network downloads data sets
sklearn.utils._testing * exec test helpers
sklearn.utils._show_versions * process inspects environment
)";

}  // namespace picket::scan
