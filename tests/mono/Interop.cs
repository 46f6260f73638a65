// A real WCF peer (Mono's System.ServiceModel) for indigo's interoperability tests.
//
//   mono Interop.exe client <net.tcp address of ICalculatorSession> <address of IDataTypes> <text|binary>
//       calls an indigo host and prints one line per result;
//   mono Interop.exe recycle <net.tcp address of IRecycler> <text|binary>
//       calls an indigo host's IRecycler (release modes) in a fixed order on one session and
//       prints one line per result: "<operation> <instance number>:<calls on that instance>";
//   mono Interop.exe service <calc port> <types port> <text|binary>
//       hosts the same contracts at net.tcp://127.0.0.1:<calc port>/calc and
//       net.tcp://127.0.0.1:<types port>/types (Mono cannot share a port between two hosts),
//       prints "ready", and serves until its standard input closes.
using System;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;

namespace Peers
{
    [ServiceContract(Namespace = "http://peers.test/calc", SessionMode = SessionMode.Required)]
    public interface ICalculatorSession
    {
        [OperationContract(IsInitiating = true)] void Clear();
        [OperationContract(IsInitiating = false)] void AddTo(double n);
        [OperationContract(IsInitiating = false)] void SubtractFrom(double n);
        [OperationContract(IsInitiating = false)] void MultiplyBy(double n);
        [OperationContract(IsInitiating = false)] void DivideBy(double n);
        [OperationContract(IsInitiating = false, IsTerminating = true)] double Equals();
    }

    // The same contract without the flags: Mono's client does not enforce them anyway, and this
    // makes the foreign-client rule checks explicit.
    [ServiceContract(Name = "ICalculatorSession", Namespace = "http://peers.test/calc", SessionMode = SessionMode.Required)]
    public interface ICalculatorLoose
    {
        [OperationContract] void Clear();
        [OperationContract] void AddTo(double n);
        [OperationContract] double Equals();
    }

    [DataContract(Name = "Point", Namespace = "http://peers.test/calc")]
    public class Point
    {
        [DataMember(Name = "x", Order = 0)] public int X;
        [DataMember(Name = "y", Order = 1)] public int Y;
    }

    [DataContract(Name = "MathFault", Namespace = "http://peers.test/calc")]
    public class MathFault
    {
        [DataMember(Name = "operation", Order = 0)] public string Operation;
        [DataMember(Name = "problem", Order = 1)] public string Problem;
    }

    [ServiceContract(Namespace = "http://peers.test/calc")]
    public interface IDataTypes
    {
        [OperationContract] string Greet(string name);
        [OperationContract] Point Mirror(Point point);
        [OperationContract] int Sum(int[] values);
        [OperationContract] [FaultContract(typeof(MathFault))] double Divide(double a, double b);
        [OperationContract] void Shut(string reason);
    }

    // Instance recycling on the service (WCF's ReleaseInstanceMode per operation, and
    // InstanceContext.ReleaseServiceInstance from inside Release); each operation answers
    // "<instance number>:<calls on that instance>". The release modes are service-side
    // behaviour, invisible in the contract, so the client's contract has none.
    [ServiceContract(Namespace = "http://peers.test/calc", SessionMode = SessionMode.Required)]
    public interface IRecycler
    {
        [OperationContract] string Next();
        [OperationContract] string NextAfter();
        [OperationContract] string NextBefore();
        [OperationContract] string NextBoth();
        [OperationContract] string Release();
    }

    public class Calculator : ICalculatorSession
    {
        double total;
        public void Clear() { total = 0; }
        public void AddTo(double n) { total += n; }
        public void SubtractFrom(double n) { total -= n; }
        public void MultiplyBy(double n) { total *= n; }
        public void DivideBy(double n) { total /= n; }
        public new double Equals() { return total; }
    }

    public class DataTypes : IDataTypes
    {
        public string Greet(string name) { return "hello " + name; }
        public Point Mirror(Point p) { return new Point { X = p.Y, Y = p.X }; }
        public int Sum(int[] values) { int s = 0; foreach (var v in values) s += v; return s; }
        public double Divide(double a, double b)
        {
            if (b == 0) throw new FaultException<MathFault>(
                new MathFault { Operation = "Divide", Problem = "division by zero" }, "division by zero");
            return a / b;
        }
        public void Shut(string reason) { throw new FaultException(new FaultReason("closed: " + reason), FaultCode.CreateSenderFaultCode(null)); }
    }

    public static class Program
    {
        static Binding MakeBinding(string encoding)
        {
            if (encoding == "binary") return new NetTcpBinding(SecurityMode.None);
            var text = new TextMessageEncodingBindingElement(MessageVersion.Soap12WSAddressing10, System.Text.Encoding.UTF8);
            return new CustomBinding(text, new TcpTransportBindingElement());
        }

        static T Open<T>(string encoding, string address)
        {
            var factory = new ChannelFactory<T>(MakeBinding(encoding), new EndpointAddress(address));
            return factory.CreateChannel();
        }

        static void Close(object channel)
        {
            try { ((IClientChannel)channel).Close(); } catch (Exception e) { Console.WriteLine("close-error " + e.GetType().Name); }
        }

        static string Describe(Exception e)
        {
            var fault = e as FaultException;
            string code = fault != null && fault.Code != null && fault.Code.SubCode != null ? fault.Code.SubCode.Name : "-";
            return e.GetType().Name + " code=" + code + " message=" + e.Message.Replace('\n', ' ');
        }

        static int Client(string calcAddress, string typesAddress, string encoding)
        {
            // The seed's calculation, and a second channel in parallel with its own total.
            var a = Open<ICalculatorSession>(encoding, calcAddress);
            var b = Open<ICalculatorSession>(encoding, calcAddress);
            a.Clear(); b.Clear();
            a.AddTo(100); b.AddTo(7);
            a.SubtractFrom(50); b.MultiplyBy(6);
            a.MultiplyBy(17.65);
            a.DivideBy(2);
            // Printed as WCF's calculator sample prints it (15 significant digits): 441.25.
            Console.WriteLine("total " + a.Equals().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Console.WriteLine("second " + b.Equals().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Close(a); Close(b);

            var types = Open<IDataTypes>(encoding, typesAddress);
            Console.WriteLine("greet " + types.Greet("wörld <&>"));
            var m = types.Mirror(new Point { X = 3, Y = -4 });
            Console.WriteLine("mirror " + m.X + " " + m.Y);
            Console.WriteLine("sum " + types.Sum(new[] { 1, 2, 3, 40 }));
            Console.WriteLine("divide " + types.Divide(1, 4).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            try { types.Divide(1, 0); Console.WriteLine("fault none"); }
            catch (FaultException<MathFault> f)
            {
                Console.WriteLine("fault " + f.Detail.Operation + ": " + f.Detail.Problem);
                Console.WriteLine("fault-shape " + (f.Code.IsSenderFault ? "sender" : f.Code.IsReceiverFault ? "receiver" : f.Code.Name) + " " + f.Action);
                Console.WriteLine("fault-reason " + f.Message);
            }
            catch (Exception e) { Console.WriteLine("fault untyped " + Describe(e)); }
            try { types.Shut("now"); Console.WriteLine("shut none"); }
            catch (FaultException f)
            {
                Console.WriteLine("shut " + (f.Code.IsSenderFault ? "sender" : f.Code.IsReceiverFault ? "receiver" : f.Code.Name) + " " + f.Message);
            }
            Close(types);

            // Foreign-client rule checks: a non-initiating first call, a call after a terminating one.
            var loose = Open<ICalculatorLoose>(encoding, calcAddress);
            try { loose.AddTo(1); Console.WriteLine("first accepted"); }
            catch (Exception e) { Console.WriteLine("first " + Describe(e)); }
            ((IClientChannel)loose).Abort();
            loose = Open<ICalculatorLoose>(encoding, calcAddress);
            loose.Clear(); loose.AddTo(5);
            Console.WriteLine("equals " + loose.Equals());
            try { loose.AddTo(1); Console.WriteLine("after accepted"); }
            catch (Exception e) { Console.WriteLine("after " + Describe(e)); }
            ((IClientChannel)loose).Abort();

            // The host keeps serving.
            var again = Open<ICalculatorSession>(encoding, calcAddress);
            again.Clear(); again.AddTo(2);
            Console.WriteLine("again " + again.Equals());
            Close(again);
            return 0;
        }

        static int Recycle(string address, string encoding)
        {
            // One session throughout: the release modes recycle the instance, never the session.
            var r = Open<IRecycler>(encoding, address);
            Console.WriteLine("next " + r.Next());
            Console.WriteLine("next " + r.Next());
            Console.WriteLine("next_after " + r.NextAfter());
            Console.WriteLine("next_before " + r.NextBefore());
            Console.WriteLine("next " + r.Next());
            Console.WriteLine("next_before " + r.NextBefore());
            Console.WriteLine("next_both " + r.NextBoth());
            Console.WriteLine("next_both " + r.NextBoth());
            Console.WriteLine("next " + r.Next());
            Console.WriteLine("release " + r.Release());
            Console.WriteLine("next " + r.Next());
            Close(r);
            return 0;
        }

        static int Service(int calcPort, int typesPort, string encoding)
        {
            var calc = new ServiceHost(typeof(Calculator));
            calc.AddServiceEndpoint(typeof(ICalculatorSession), MakeBinding(encoding), "net.tcp://127.0.0.1:" + calcPort + "/calc");
            var types = new ServiceHost(typeof(DataTypes));
            types.AddServiceEndpoint(typeof(IDataTypes), MakeBinding(encoding), "net.tcp://127.0.0.1:" + typesPort + "/types");
            calc.Open();
            types.Open();
            Console.WriteLine("ready");
            Console.Out.Flush();
            Console.In.ReadToEnd();
            return 0;
        }

        public static int Main(string[] args)
        {
            try
            {
                if (args.Length == 4 && args[0] == "client") return Client(args[1], args[2], args[3]);
                if (args.Length == 3 && args[0] == "recycle") return Recycle(args[1], args[2]);
                if (args.Length == 4 && args[0] == "service") return Service(int.Parse(args[1]), int.Parse(args[2]), args[3]);
                Console.Error.WriteLine("usage: Interop.exe client <calc> <types> <text|binary> | recycle <recycler> <text|binary> | service <calc port> <types port> <text|binary>");
                return 2;
            }
            catch (Exception e)
            {
                Console.WriteLine("error " + Describe(e));
                Console.Error.WriteLine(e);
                return 1;
            }
        }
    }
}
