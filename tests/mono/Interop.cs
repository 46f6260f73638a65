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
//   mono Interop.exe http-client <http address of IDataTypes> <basic|ws>
//       calls an indigo host's IDataTypes over BasicHttpBinding or WSHttpBinding(SecurityMode.None)
//       and prints the same lines as the IDataTypes part of `client`;
//   mono Interop.exe http-service <port> <basic|ws>
//       hosts IDataTypes at http://127.0.0.1:<port>/types over that binding, prints "ready", and
//       serves until its standard input closes.
using System;
using System.Collections.Generic;
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

    // Ordinary .NET data contracts: no Namespace (so http://schemas.datacontract.org/2004/07/Peers),
    // members without Order (sorted ordinally: Age, City, Id, Name, Nickname, Zeta, alpha), then
    // Order 1 and 2; a member type and an enum from another namespace; IsRequired and
    // EmitDefaultValue.
    [DataContract]
    public class Person
    {
        [DataMember] public string Name;
        [DataMember] public int Age;
        [DataMember] public string City;
        [DataMember(EmitDefaultValue = false)] public string Nickname;
        [DataMember(IsRequired = true)] public long Id;
        [DataMember] public int Zeta;
        [DataMember] public int alpha;
        [DataMember(Order = 1)] public List<string> Tags;
        [DataMember(Order = 2)] public PostalAddress Home;
        [DataMember(Order = 2)] public Mood Mood;

        public override string ToString()
        {
            return Name + "|" + Age + "|" + (City ?? "null") + "|" + (Nickname ?? "null") + "|" + Id + "|" + Zeta + "|" + alpha
                + "|" + (Tags == null ? "null" : string.Join(",", Tags)) + "|" + (Home == null ? "null" : Home.Zip + "|" + Home.Street) + "|" + Mood;
        }

        // Every member changed, so that a value lost on the way in or out shows.
        public Person Older()
        {
            var tags = new List<string>(Tags ?? new List<string>());
            tags.Add("seen");
            return new Person
            {
                Name = Name + "!", Age = Age + 1, City = City == null ? "nowhere" : City.ToUpperInvariant(),
                Nickname = Nickname == null ? "new" : null, Id = Id * 2, Zeta = Zeta + 10, alpha = alpha + 20, Tags = tags,
                Home = Home == null ? null : new PostalAddress { Zip = Home.Zip + "-1", Street = Home.Street.ToUpperInvariant() },
                Mood = Mood == Mood.Happy ? Mood.Grumpy : Mood.Happy,
            };
        }
    }

    [DataContract(Name = "PostalAddress", Namespace = "http://peers.test/geo")]
    public class PostalAddress
    {
        [DataMember(Order = 1)] public string Street;
        [DataMember(Order = 0)] public string Zip;
    }

    [DataContract(Namespace = "http://peers.test/geo")]
    public enum Mood { [EnumMember(Value = "Glad")] Happy, [EnumMember] Grumpy }

    // Inheritance across namespaces, and a known type sent where its base is declared.
    [DataContract(Namespace = "urn:people")]
    [KnownType(typeof(Employee))]
    public class Staff
    {
        [DataMember] public string Name;
        [DataMember(IsRequired = true)] public long Id;
    }

    [DataContract(Namespace = "urn:hr")]
    public class Employee : Staff
    {
        [DataMember] public double Salary;
    }

    // Object references: one Member may be both Lead and Deputy (z:Id, then z:Ref).
    [DataContract(Namespace = "urn:people", IsReference = true)]
    public class Member
    {
        [DataMember] public string Name;
    }

    [DataContract(Namespace = "urn:people")]
    public class Team
    {
        [DataMember] public Member Lead;
        [DataMember] public Member Deputy;
    }

    // A fault detail in the default data-contract namespace.
    [DataContract]
    public class LookupFault
    {
        [DataMember] public long Id;
        [DataMember] public string Why;
    }

    [ServiceContract(Namespace = "http://peers.test/calc")]
    public interface IDataTypes
    {
        [OperationContract] Person Older(Person person);
        [OperationContract] [FaultContract(typeof(LookupFault))] Person Find(long id);
        [OperationContract] Staff Promote(Staff staff);
        [OperationContract] Team Pair(Team team);
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
        public Person Older(Person person) { return person.Older(); }
        public Team Pair(Team team)
        {
            var both = new Member { Name = team.Lead.Name + "&" + team.Deputy.Name };
            return new Team { Lead = both, Deputy = both };
        }
        public Staff Promote(Staff staff)
        {
            var employee = staff as Employee;
            return new Employee { Name = staff.Name + "*", Id = staff.Id, Salary = employee == null ? 1 : employee.Salary * 2 };
        }
        public Person Find(long id)
        {
            if (id < 0) throw new FaultException<LookupFault>(new LookupFault { Id = id, Why = "no such person" }, "not found");
            return new Person { Name = "P" + id, Id = id, Tags = new List<string>(), Home = new PostalAddress { Zip = "z", Street = "s" } };
        }
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

        // WCF's two standard HTTP bindings: SOAP 1.1 without addressing, and SOAP 1.2 with
        // WS-Addressing 1.0 (no security, no reliable session).
        static Binding MakeHttpBinding(string kind)
        {
            if (kind == "basic") return new BasicHttpBinding();
            if (kind == "ws")
            {
                var ws = new WSHttpBinding(SecurityMode.None);
                ws.ReliableSession.Enabled = false;
                return ws;
            }
            throw new ArgumentException("binding " + kind);
        }

        static T Open<T>(string encoding, string address)
        {
            return new ChannelFactory<T>(MakeBinding(encoding), new EndpointAddress(address)).CreateChannel();
        }

        static T OpenHttp<T>(string kind, string address)
        {
            return new ChannelFactory<T>(MakeHttpBinding(kind), new EndpointAddress(address)).CreateChannel();
        }

        static string Code(FaultCode code)
        {
            return code.IsSenderFault ? "sender" : code.IsReceiverFault ? "receiver" : code.Name;
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

        // Every IDataTypes operation, one line per result.
        static void CallTypes(IDataTypes types)
        {
            Console.WriteLine("greet " + types.Greet("wörld <&>"));
            var m = types.Mirror(new Point { X = 3, Y = -4 });
            Console.WriteLine("mirror " + m.X + " " + m.Y);
            Console.WriteLine("sum " + types.Sum(new[] { 1, 2, 3, 40 }));
            Console.WriteLine("divide " + types.Divide(1, 4).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            try { types.Divide(1, 0); Console.WriteLine("fault none"); }
            catch (FaultException<MathFault> f)
            {
                Console.WriteLine("fault " + f.Detail.Operation + ": " + f.Detail.Problem);
                Console.WriteLine("fault-shape " + Code(f.Code) + " " + f.Action);
                Console.WriteLine("fault-reason " + f.Message);
            }
            catch (Exception e) { Console.WriteLine("fault untyped " + Describe(e)); }
            try { types.Shut("now"); Console.WriteLine("shut none"); }
            catch (FaultException f)
            {
                Console.WriteLine("shut " + Code(f.Code) + " " + f.Message);
            }
            var ann = new Person
            {
                Name = "Ann", Age = 41, City = "Oslo", Id = 7, Zeta = 1, alpha = 2, Tags = new List<string> { "a", "b" },
                Home = new PostalAddress { Zip = "0150", Street = "Main St" }, Mood = Mood.Grumpy,
            };
            Console.WriteLine("older " + types.Older(ann));
            Console.WriteLine("older-again " + types.Older(types.Older(ann)));
            Console.WriteLine("find " + types.Find(5));
            var bo = new Member { Name = "Bo" };
            var pair = types.Pair(new Team { Lead = bo, Deputy = bo });
            Console.WriteLine("pair " + pair.Lead.Name + " " + pair.Deputy.Name);
            var promoted = types.Promote(new Staff { Name = "Bo", Id = 1 });
            Console.WriteLine("promote " + promoted.GetType().Name + " " + promoted.Name + " " + promoted.Id + " " + ((promoted as Employee) == null ? "-" : ((Employee)promoted).Salary.ToString()));
            promoted = types.Promote(new Employee { Name = "Al", Id = 2, Salary = 3 });
            Console.WriteLine("promote-again " + promoted.GetType().Name + " " + promoted.Name + " " + promoted.Id + " " + ((promoted as Employee) == null ? "-" : ((Employee)promoted).Salary.ToString()));
            try { types.Find(-5); Console.WriteLine("find-fault none"); }
            catch (FaultException<LookupFault> f)
            {
                Console.WriteLine("find-fault " + f.Detail.Id + " " + f.Detail.Why + " " + f.Message + " " + f.Action);
                Console.WriteLine("find-fault-code " + Code(f.Code));
            }
            catch (Exception e) { Console.WriteLine("find-fault untyped " + Describe(e)); }
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
            CallTypes(types);
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

        static int HttpClient(string address, string kind)
        {
            var types = OpenHttp<IDataTypes>(kind, address);
            CallTypes(types);
            Close(types);
            return 0;
        }

        static int HttpService(int port, string kind)
        {
            var types = new ServiceHost(typeof(DataTypes));
            types.AddServiceEndpoint(typeof(IDataTypes), MakeHttpBinding(kind), "http://127.0.0.1:" + port + "/types");
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
                if (args.Length == 3 && args[0] == "http-client") return HttpClient(args[1], args[2]);
                if (args.Length == 3 && args[0] == "http-service") return HttpService(int.Parse(args[1]), args[2]);
                Console.Error.WriteLine("usage: Interop.exe client <calc> <types> <text|binary> | recycle <recycler> <text|binary> | service <calc port> <types port> <text|binary> | http-client <types> <basic|ws> | http-service <port> <basic|ws>");
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
